"""What every backend shares: the folders prepared for a child, its command, its uid and environment."""

import itertools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy

# Throw-away uids for sandboxed children when the grader runs as root. The uid
# encodes the grader's pid and a per-process counter, so concurrent children
# never share one (RLIMIT_NPROC counts per uid), not even across grader
# processes (pid_max <= 2**22 keeps every uid below 2**31).
UID_BASE = 1_100_000_000
UID_SLOTS = 64
_uid_counter = itertools.count()


def allocate_uid():
    """A uid no other live child of any grader process on this host is using."""
    return UID_BASE + os.getpid() * UID_SLOTS + next(_uid_counter) % UID_SLOTS


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


def harness_args(python, harness_dir, io_dir):
    return [python, "-I", "-S", os.path.join(harness_dir, "hw4child", "harness.py"),
            os.path.join(io_dir, "plan.json")]


def under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
