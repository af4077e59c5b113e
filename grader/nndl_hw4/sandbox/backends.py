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
import os
import shutil
import subprocess

from ..errors import KitError
from .bubblewrap import BubblewrapBackend
from .command import Command, HostPaths, allocate_uid, child_env, numpy_dirs, python_executable
from .direct import DirectBackend, sweep_uid

__all__ = ["BubblewrapBackend", "Command", "DirectBackend", "HostPaths", "SandboxUnavailable", "allocate_uid",
           "child_env", "numpy_dirs", "python_executable", "select", "sweep_uid"]


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
