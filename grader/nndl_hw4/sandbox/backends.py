"""How a sandboxed child is started: bubblewrap, or a plain limited process.

Both run ``python -I -S harness.py plan.json`` with a scrubbed environment and
one BLAS thread; the harness applies rlimits and, when the grader is root,
switches to a throw-away uid (``allocate_uid``) before student code runs.

``BubblewrapBackend`` additionally gives the child fresh namespaces (no
network, its own pids, no IPC), a root filesystem holding only /usr, the
Python standard library, numpy, the harness, the check inputs and a read-only
copy of the submission, and size-limited tmpfs scratch space as the only
writable places. The grader, the reference and every site-packages are simply
not there.

``DirectBackend`` is the fallback where bubblewrap is missing: rlimits, a
scrubbed environment, a private working copy, a process group killed at the
end and, as root, a throw-away uid whose processes and /tmp files are swept
after the child. It does NOT hide the filesystem or the network from student
code: docs/sandbox.md lists what it does and does not protect.
"""

import functools
import itertools
import os
import shutil
import signal
import site
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy

from ..errors import KitError

INSIDE = Path("/sandbox")
_GRADER_PACKAGE = Path(__file__).resolve().parents[1]   # nndl_hw4: never visible to student code

# Throw-away uids for sandboxed children when the grader runs as root. The uid
# encodes the grader's pid and a per-process counter, so concurrent children
# never share one (RLIMIT_NPROC counts per uid), not even across grader
# processes (pid_max <= 2**22 keeps every uid below 2**31).
_UID_BASE = 1_100_000_000
_UID_SLOTS = 64
_uid_counter = itertools.count()


def allocate_uid():
    """A uid no other live child of any grader process on this host is using."""
    return _UID_BASE + os.getpid() * _UID_SLOTS + next(_uid_counter) % _UID_SLOTS


@dataclass
class HostPaths:
    """Folders the caller prepared on the host for one child."""

    submission: Path   # private copy: nndl/ (student) + utils/ (trusted)
    harness: Path      # the folder that holds the hw4child package
    io: Path           # plan.json and the checks' inputs
    site: Path | None = None   # a folder holding only numpy (direct backend's sys.path entry)


@dataclass
class Command:
    argv: list
    cwd: str
    env: dict
    submission: str     # the submission folder as the child sees it
    io: str
    site: list = field(default_factory=list)
    uid: int | None = None
    options: dict = field(default_factory=dict)   # extra plan entries for the harness
    fds: list = field(default_factory=list)        # passed to the child, closed once it started


def python_executable():
    """The real interpreter behind sys.executable (venvs symlink to it)."""
    return os.path.realpath(sys.executable)


def numpy_dirs():
    """numpy's package folder and, for wheels, its bundled libraries."""
    pkg = Path(numpy.__file__).resolve().parent
    libs = pkg.parent / "numpy.libs"
    return [pkg] + ([libs] if libs.is_dir() else [])


def child_env(home, tmp=None):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }
    if tmp:
        env["TMPDIR"] = tmp
    return env


def _harness_args(python, harness_dir, io_dir):
    return [python, "-I", "-S", os.path.join(harness_dir, "hw4child", "harness.py"),
            os.path.join(io_dir, "plan.json")]


def _under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


# ---------------------------------------------------------------------------
# The direct fallback


@functools.lru_cache(maxsize=None)
def _root_can_drop(python):
    """Whether the harness, started as root, can switch to a throw-away uid here.

    It keeps CAP_DAC_READ_SEARCH (the interpreter may live under /root, which
    the new uid could not read otherwise) and drops everything else. Checked
    once per grader process with the harness's own self-test.
    """
    harness = Path(__file__).resolve().parents[1] / "child" / "harness.py"
    try:
        probe = subprocess.run([python, "-I", "-S", str(harness), "--self-test-drop", str(allocate_uid())],
                               capture_output=True, timeout=30, env=child_env("/"))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _processes_of(uid):
    """Pids of the live (not zombie) processes whose real uid is `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(entry))
    return found


WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def sweep_uid(uid):
    """Kill every process of `uid` (also those that left the process group) and
    remove what it left at the top of the usual world-writable folders."""
    for _ in range(50):
        pids = _processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    for top in WORLD_WRITABLE:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


class DirectBackend:
    """A plain child with rlimits (see docs/sandbox.md for what it does NOT protect).

    As root, the child runs as a throw-away uid (keeping only the right to
    read files), so the process cap applies, it cannot write outside
    world-writable folders, and every process and top-level /tmp entry of that
    uid is removed after the child.
    """

    name = "direct"
    isolates_filesystem = False

    def drops_privileges(self):
        return os.getuid() == 0 and _root_can_drop(python_executable())

    def command(self, paths, limits):
        python = python_executable()
        scratch = paths.io / "scratch"
        scratch.mkdir(mode=0o700, exist_ok=True)
        uid, options = None, {}
        if self.drops_privileges():
            uid = allocate_uid()
            os.chown(scratch, uid, uid)
            options["keep_read_access"] = True
        site_dir = paths.site if paths.site is not None else numpy_dirs()[0].parent
        return Command(
            argv=_harness_args(python, str(paths.harness), str(paths.io)),
            cwd=str(paths.submission),
            env=child_env(str(scratch), str(scratch)),
            submission=str(paths.submission),
            io=str(paths.io),
            site=[str(site_dir)],
            uid=uid,
            options=options,
        )

    def cleanup(self, command):
        if command.uid is not None:
            sweep_uid(command.uid)


# ---------------------------------------------------------------------------
# The bubblewrap sandbox


def _site_dirs(prefixes):
    """Every site-packages/dist-packages folder of these installation prefixes."""
    found = set(site.getsitepackages()) | {site.getusersitepackages()}
    for prefix in prefixes:
        root = Path(prefix)
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages",
                        "local/lib*/python3*/site-packages", "local/lib*/python3*/dist-packages"):
            found |= {str(p) for p in root.glob(pattern)}
    return found


@functools.lru_cache(maxsize=None)
def _static_binds(python):
    """The bubblewrap arguments that are the same for every child (computed once)."""
    args = ["--ro-bind", "/usr", "/usr"]
    roots = ["/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
            roots.append(top)
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]

    prefix = os.path.realpath(sys.base_prefix)
    if not any(_under(prefix, root) for root in roots):
        # bubblewrap makes missing parents 0700; the dropped uid must traverse them.
        for parent in reversed(list(Path(prefix).parents)[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", prefix, prefix]
        roots.append(prefix)
    # Hide every site-packages visible in there (the grader may be installed in
    # one) and the grader package itself, wherever it lives.
    candidates = _site_dirs([prefix, "/usr", os.path.realpath(sys.prefix)]) | {str(_GRADER_PACKAGE)}
    real = sorted({os.path.realpath(c) for c in candidates if os.path.isdir(c)})
    real = [r for r in real if any(_under(r, root) for root in roots)]
    for path in real:
        if not any(other != path and _under(path, other) for other in real):
            args += ["--size", str(1 << 16), "--tmpfs", path, "--remount-ro", path]
    return tuple(args)


class BubblewrapBackend:
    name = "bubblewrap"
    isolates_filesystem = True

    def __init__(self, bwrap):
        self.bwrap = bwrap

    def command(self, paths, limits):
        python = python_executable()
        uid = allocate_uid() if os.getuid() == 0 else None
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
        argv += _static_binds(python)
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", scratch, "--tmpfs", "/tmp",
                 "--perms", "0755", "--size", str(1 << 20), "--tmpfs", str(INSIDE)]
        # The submission folder itself is writable scratch (tmpfs, size-limited);
        # the student's modules and the trusted utils inside it are read-only.
        argv += ["--perms", "1777", "--size", scratch, "--tmpfs", str(sub)]
        for folder in (harness, io, site_dir):
            argv += ["--perms", "0755", "--dir", str(folder)]
        for entry in sorted(os.listdir(paths.submission)):
            argv += ["--ro-bind", str(paths.submission / entry), str(sub / entry)]
        # The harness package is bound straight from the grader's installation
        # (it holds nothing secret); the rest of the grader stays invisible.
        argv += ["--ro-bind", os.path.realpath(paths.harness / "hw4child"), str(harness / "hw4child"),
                 "--ro-bind", str(paths.io), str(io)]
        for folder in numpy_dirs():
            argv += ["--ro-bind", str(folder), str(site_dir / folder.name)]
        # The root, /dev and /sandbox are tmpfs owned by the child's uid when bubblewrap runs
        # unprivileged (the first two without a size limit): make them read-only.
        argv += ["--remount-ro", "/", "--remount-ro", "/dev", "--remount-ro", str(INSIDE), "--chdir", str(sub)]
        # Options go through a memfd (--args): /proc/1/cmdline inside then shows no host path.
        fd = os.memfd_create("bwrap-args", 0)
        os.write(fd, b"".join(a.encode() + b"\0" for a in argv[1:]))
        os.lseek(fd, 0, os.SEEK_SET)
        argv = [self.bwrap, "--args", str(fd), *_harness_args(python, str(harness), str(io))]
        return Command(argv=argv, cwd=str(paths.submission), env={}, submission=str(sub),
                       io=str(io), site=[str(site_dir)], uid=uid, fds=[fd])

    def cleanup(self, command):
        """Nothing to do: the child's pid namespace dies with it, its writable places are tmpfs."""


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
        return DirectBackend(), _root_warning(DirectBackend())
    bwrap = shutil.which("bwrap")
    ok, why = _bwrap_works(bwrap) if bwrap else (False, "bwrap is not installed")
    if ok:
        return BubblewrapBackend(bwrap), None
    if preference == "bubblewrap":
        raise SandboxUnavailable(f"bubblewrap cannot be used here: {why}",
                                 hint="install it (Debian/Ubuntu: apt-get install bubblewrap) "
                                      "or pass --sandbox direct")
    backend = DirectBackend()
    warning = (f"bubblewrap is unavailable ({why}); student code runs as a plain child process with "
               "resource limits only: it can read the grader's files and use the network (docs/sandbox.md). "
               "Install bubblewrap (apt-get install bubblewrap) for the full sandbox.")
    extra = _root_warning(backend)
    return backend, warning + (" " + extra if extra else "")


def _root_warning(backend):
    if os.getuid() == 0 and not backend.drops_privileges():
        return ("The grader runs as root and the child could not switch to a throw-away uid: "
                "student code runs as root, with no process cap.")
    return None
