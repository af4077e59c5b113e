"""What every backend shares: the folders prepared for a child, its command, its uid and environment."""

import functools
import itertools
import os
import re
import site
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


def site_dirs(prefixes):
    """Every site-packages/dist-packages folder of these installation prefixes."""
    found = set(site.getsitepackages()) | {site.getusersitepackages()}
    for prefix in prefixes:
        root = Path(prefix)
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages",
                        "local/lib*/python3*/site-packages", "local/lib*/python3*/dist-packages"):
            found |= {str(p) for p in root.glob(pattern)}
    return found


# The packages the notebooks use (besides the standard library), importable read-only in
# every child with everything they require: an unused `from matplotlib.pyplot import axis`
# or `from IPython.display import display` left by an editor must not break a module.
# numpy and matplotlib are imported by the notebooks; IPython is their kernel (display()).
# 32 folders here; binding them costs a bubblewrap child ~5 ms (docs/sandbox.md).
NOTEBOOK_PACKAGES = ("numpy", "matplotlib", "ipython")


def _distribution_closure(names):
    """importlib.metadata distributions of `names` and of everything they require (extras left out).

    A requirement limited by an environment marker (Windows only, old Pythons)
    is followed when it is installed: sharing one package too many read-only
    costs nothing, and packaging's marker parser would cost every run 50 ms.
    """
    from importlib import metadata

    found, todo = {}, list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue   # an optional dependency that is not installed
        found[key] = dist
        for text in dist.requires or ():
            requirement, _, marker = text.partition(";")
            if "extra" not in marker:
                todo.append(re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1))
    return found


@functools.lru_cache(maxsize=None)
def package_dirs():
    """The top-level folders (and single-file modules) of NOTEBOOK_PACKAGES and their requirements.

    numpy first; each is shared read-only with every child (bubblewrap binds
    them under /sandbox/site, the direct backend links them from the
    workspace's site/ folder). Read from each distribution's RECORD.
    """
    found = {}
    for dist in _distribution_closure(NOTEBOOK_PACKAGES).values():
        tops = {line.split(",", 1)[0].split("/", 1)[0] for line in (dist.read_text("RECORD") or "").splitlines()}
        for top in sorted(tops):
            if top in ("", "..", "__pycache__") or top.endswith((".dist-info", ".egg-info", ".pth")):
                continue
            path = Path(dist.locate_file(top)).resolve()
            if path.exists():
                found[top] = path
    first = [p for p in numpy_dirs() if p.name in found]
    return first + sorted((p for p in found.values() if p not in first), key=lambda p: p.name)


def child_env(home, tmp=None):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # matplotlib headless, its configuration and font cache in the child's scratch
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": os.path.join(tmp or "/tmp", "matplotlib"),
    }
    if tmp:
        env["TMPDIR"] = tmp
    return env


def harness_args(python, harness_dir, io_dir):
    return [python, "-I", "-S", os.path.join(harness_dir, "hw4child", "harness.py"),
            os.path.join(io_dir, "plan.json")]


def under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
