"""How a sandboxed child is started: bubblewrap, or a plain limited process walled by Landlock.

Both run ``python -I -S harness.py plan.json`` with a scrubbed environment and
one BLAS thread; the harness applies rlimits and, when the grader is root,
switches to a throw-away uid (``allocate_uid``), installs the seccomp filter
(no namespaces, mounts or sockets) and restricts itself with Landlock (the
files of ``sandbox.landlock``, no TCP, signals and abstract unix sockets
scoped) where the kernel has it, before student code runs.

``BubblewrapBackend`` additionally gives the child fresh namespaces (no
network, its own pids, no IPC), a root filesystem holding only /usr, the
Python standard library, the notebooks' packages, the harness, the check
inputs and a read-only copy of the submission, and size-limited tmpfs scratch
space as the only writable places. The grader, the reference and every
site-packages are simply not there; Landlock is a second wall.

``DirectBackend`` runs where bubblewrap cannot: rlimits, a scrubbed
environment, a private working copy, a process group killed at the end and,
as root, a throw-away uid whose processes and /tmp files are swept after the
child. Landlock is its wall: without Landlock it hides neither the
filesystem nor the network, so ``select("auto")`` refuses it then.
docs/sandbox.md lists what each combination does and does not protect.
"""

import functools
import os
import platform
import shutil
import subprocess

from ..child import landlock, seccomp
from ..errors import KitError
from .bubblewrap import BubblewrapBackend
from .command import Command, HostPaths, allocate_uid, child_env, numpy_dirs, package_dirs, python_executable
from .direct import DirectBackend, sweep_uid

__all__ = ["BubblewrapBackend", "Command", "DirectBackend", "HostPaths", "SandboxUnavailable", "allocate_uid",
           "child_env", "describe", "numpy_dirs", "package_dirs", "python_executable", "select", "sweep_uid"]


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
    """The backend for 'auto' | 'bubblewrap' | 'direct'; (backend, warning or None).

    auto: bubblewrap when it works; otherwise the direct backend if this kernel
    has Landlock (then Landlock is its wall); otherwise refuse (fail closed):
    grades that count are never computed with student code unconfined.
    direct: always, with a warning when Landlock is missing (trusted code only).
    """
    if preference not in ("auto", "bubblewrap", "direct"):
        raise SandboxUnavailable(f"unknown sandbox {preference!r}",
                                 hint="use --sandbox auto, bubblewrap or direct")
    if preference == "direct":
        backend = DirectBackend()
        warnings = [] if backend.landlock_abi else [
            "Landlock is not available here (it needs Linux >= 5.13 with Landlock enabled; a container's "
            "seccomp profile may block it): the direct backend then hides neither the grader's files nor "
            "the network from student code. Use it only for trusted code (docs/sandbox.md)."]
        return backend, _join(warnings + [_root_warning(backend)])
    bwrap = shutil.which("bwrap")
    ok, why = _bwrap_works(bwrap) if bwrap else (False, "bwrap is not installed")
    if ok:
        return BubblewrapBackend(bwrap), None
    if preference == "bubblewrap":
        raise SandboxUnavailable(f"bubblewrap cannot be used here: {why}",
                                 hint="install it (Debian/Ubuntu: apt-get install bubblewrap) "
                                      "or pass --sandbox direct")
    backend = DirectBackend()
    if not backend.landlock_abi:
        raise SandboxUnavailable(
            f"no sandbox for student code here: bubblewrap cannot be used ({why}) and Landlock, the direct "
            "backend's wall, is not available (Linux >= 5.13 with Landlock enabled)",
            hint="install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) where it can create "
                 "namespaces, or pass --sandbox direct to grade TRUSTED code unconfined "
                 "(student code could read the reference and use the network: docs/sandbox.md)")
    warning = (f"bubblewrap is unavailable ({why}); student code runs in the direct backend, walled by "
               "Landlock and seccomp only (docs/sandbox.md says what that leaves open). "
               "Install bubblewrap (apt-get install bubblewrap) to add namespaces.")
    return backend, _join([warning, _root_warning(backend)])


def _join(warnings):
    return " ".join(w for w in warnings if w) or None


def describe(backend):
    """The protections the backend's children get, for the run's header."""
    parts = []
    if backend.name == "bubblewrap":
        parts.append("namespaces (mount, pid, network, IPC)")
    if backend.landlock_abi:
        parts.append(f"Landlock ABI {backend.landlock_abi} ({', '.join(landlock.protections(backend.landlock_abi))})")
    else:
        parts.append("no Landlock")
    if seccomp.program(platform.machine()) is not None:
        parts.append("seccomp (no " + ("sockets, " if backend.deny_sockets else "") + "namespaces or mounts)")
    if os.getuid() == 0 and (backend.name == "bubblewrap" or backend.drops_privileges()):
        parts.append("a throw-away uid")
    return ", ".join(parts)


def _root_warning(backend):
    if os.getuid() == 0 and not backend.drops_privileges():
        return ("The grader runs as root and the child could not switch to a throw-away uid: "
                "student code runs as root, with no process cap.")
    return None
