"""How a sandboxed child is started: bubblewrap, or a plain limited process.

Both run ``python -I -S harness.py plan.json`` with a scrubbed environment and
one BLAS thread; the harness applies rlimits before student code runs.

``BubblewrapBackend`` additionally gives the child fresh namespaces (no
network, its own pids, no IPC), a root filesystem holding only /usr, the
Python standard library, numpy, the harness, the check inputs and a read-only
copy of the submission, size-limited tmpfs scratch space as the only writable
places, and (when the grader runs as root) a throw-away uid so the process
cap applies. The grader, the reference and the site-packages they live in are
simply not there.

``DirectBackend`` is the fallback where bubblewrap is missing: rlimits,
scrubbed environment, a private working copy and a process group that is
killed on timeout. It does NOT hide the filesystem or the network from
student code; README "The sandbox" says so.
"""

import functools
import itertools
import os
import random
import shutil
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from ..errors import KitError

INSIDE = Path("/sandbox")
_uids = itertools.count(random.SystemRandom().randrange(200_000, 2_000_000, 1000))


@dataclass
class HostPaths:
    """Folders the caller prepared on the host for one child."""

    submission: Path   # private copy: nndl/ (student) + utils/ (trusted)
    harness: Path      # the folder that holds the hw4child package
    io: Path           # plan.json and the checks' inputs


@dataclass
class Command:
    argv: list
    cwd: str
    env: dict
    submission: str     # the submission folder as the child sees it
    io: str
    site: list = field(default_factory=list)
    uid: int | None = None


def python_executable():
    """The real interpreter behind sys.executable (venvs symlink to it)."""
    return os.path.realpath(sys.executable)


def numpy_dirs():
    """numpy's package folder and, for wheels, its bundled libraries."""
    pkg = Path(numpy.__file__).resolve().parent
    libs = pkg.parent / "numpy.libs"
    return [pkg] + ([libs] if libs.is_dir() else [])


def child_env(home):
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _harness_args(python, harness_dir, io_dir):
    return [python, "-I", "-S", os.path.join(harness_dir, "hw4child", "harness.py"),
            os.path.join(io_dir, "plan.json")]


class DirectBackend:
    name = "direct"
    isolates_filesystem = False

    def command(self, paths, limits):
        python = python_executable()
        return Command(
            argv=_harness_args(python, str(paths.harness), str(paths.io)),
            cwd=str(paths.submission),
            env=child_env(str(paths.submission)),
            submission=str(paths.submission),
            io=str(paths.io),
            site=[str(numpy_dirs()[0].parent)],
        )


class BubblewrapBackend:
    name = "bubblewrap"
    isolates_filesystem = True

    def __init__(self, bwrap):
        self.bwrap = bwrap

    @staticmethod
    def _system_binds():
        args = ["--ro-bind", "/usr", "/usr"]
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
        return args

    @staticmethod
    def _python_binds(python):
        prefix = os.path.realpath(sys.base_prefix)
        args = []
        if not prefix.startswith("/usr/"):
            # bubblewrap makes missing parents 0700; the dropped uid must traverse them.
            parents = list(Path(prefix).parents)[:-1]
            for parent in reversed(parents):
                args += ["--perms", "0755", "--dir", str(parent)]
            args += ["--ro-bind", prefix, prefix]
        # Hide every site-packages of the interpreter: the grader may be installed there.
        hidden = set(site.getsitepackages()) | {site.getusersitepackages()}
        for path in sorted(hidden):
            real = os.path.realpath(path)
            if os.path.isdir(real) and (real.startswith(prefix + os.sep) or real.startswith("/usr/")):
                args += ["--tmpfs", real]
        return args

    def command(self, paths, limits):
        python = python_executable()
        uid = next(_uids) if os.getuid() == 0 else None
        scratch = str(limits.scratch_bytes)
        sub, harness, io, site_dir = (INSIDE / "submission", INSIDE / "harness",
                                      INSIDE / "io", INSIDE / "site")
        # As root, no user namespace: the harness must keep CAP_SETUID to drop to `uid`.
        # Unprivileged, bubblewrap needs one (and the uid stays the caller's).
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                      "--unshare-cgroup-try"]
        if uid is None:
            namespaces.append("--unshare-user")
        argv = [self.bwrap, *namespaces, "--die-with-parent", "--new-session", "--clearenv"]
        for key, value in child_env(str(sub)).items():
            argv += ["--setenv", key, value]
        argv += self._system_binds() + self._python_binds(python)
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", scratch, "--tmpfs", "/tmp",
                 "--perms", "0755", "--size", scratch, "--tmpfs", str(INSIDE)]
        # The submission folder itself is writable scratch (tmpfs, size-limited);
        # the student's modules and the trusted utils inside it are read-only.
        argv += ["--perms", "1777", "--dir", str(sub)]
        for folder in (harness, io, site_dir):
            argv += ["--perms", "0755", "--dir", str(folder)]
        for entry in sorted(os.listdir(paths.submission)):
            argv += ["--ro-bind", str(paths.submission / entry), str(sub / entry)]
        argv += ["--ro-bind", str(paths.harness), str(harness),
                 "--ro-bind", str(paths.io), str(io)]
        for folder in numpy_dirs():
            argv += ["--ro-bind", str(folder), str(site_dir / folder.name)]
        argv += ["--chdir", str(sub)]
        argv += _harness_args(python, str(harness), str(io))
        return Command(argv=argv, cwd=str(paths.submission), env={}, submission=str(sub),
                       io=str(io), site=[str(site_dir)], uid=uid)


class SandboxUnavailable(KitError):
    exit_code = 2


@functools.lru_cache(maxsize=None)
def _bwrap_works(bwrap):
    try:
        probe = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
            capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False, "could not run bwrap"
    if probe.returncode != 0:
        return False, probe.stderr.decode(errors="replace").strip()[:300]
    return True, ""


def select(preference="auto"):
    """The backend for 'auto' | 'bubblewrap' | 'direct'; (backend, warning or None)."""
    if preference not in ("auto", "bubblewrap", "direct"):
        raise SandboxUnavailable(f"unknown sandbox {preference!r}",
                                 hint="use --sandbox auto, bubblewrap or direct")
    if preference == "direct":
        return DirectBackend(), None
    bwrap = shutil.which("bwrap")
    ok, why = _bwrap_works(bwrap) if bwrap else (False, "bwrap is not installed")
    if ok:
        return BubblewrapBackend(bwrap), None
    if preference == "bubblewrap":
        raise SandboxUnavailable(f"bubblewrap cannot be used here: {why}",
                                 hint="install it (Debian/Ubuntu: apt-get install bubblewrap) "
                                      "or pass --sandbox direct")
    return DirectBackend(), (
        f"bubblewrap is unavailable ({why}); student code runs as a plain child process with "
        "resource limits only: it can read files and use the network. "
        "Install bubblewrap (apt-get install bubblewrap) for the full sandbox.")
