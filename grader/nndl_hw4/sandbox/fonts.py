"""matplotlib's font cache, built once per grader process for the children that import matplotlib.

A child that imports matplotlib.pyplot with an empty MPLCONFIGDIR first
scans the system's fonts (and runs fc-list) to build ``fontlist-v*.json``:
0.1 s here with 38 system fonts, seconds on a desktop with thousands. The
grader builds that file once, in a fresh ``python -I -S`` that sees the same
packages as the children (its paths of matplotlib's own fonts are relative,
the system's fonts live under /usr, visible in both backends), and each child
that may need it gets a read-only copy, which the harness puts into its own
MPLCONFIGDIR before student code runs. A child without it (the build failed,
or the submission imports matplotlib in a way the scan below misses) builds
its own cache: slower, equally correct.
"""

import atexit
import functools
import shutil
import subprocess
import tempfile
from pathlib import Path

from .command import package_dirs, python_executable

MARKERS = (b"matplotlib", b"pylab")   # what a module that imports matplotlib holds


def mentions_matplotlib(submission):
    """Whether a module of the private copy `submission` (its nndl/ folder) names matplotlib."""
    for path in sorted((Path(submission) / "nndl").glob("*.py")):
        try:
            text = path.read_bytes()
        except OSError:
            continue
        if any(marker in text for marker in MARKERS):
            return True
    return False


@functools.lru_cache(maxsize=None)
def font_cache():
    """A folder holding a fresh ``fontlist-v*.json`` (removed at exit), or None if it could not be built."""
    folders = {str(p.parent) for p in package_dirs() if p.name == "matplotlib"}
    if not folders:
        return None
    folder = Path(tempfile.mkdtemp(prefix="nndl-hw4-fonts-"))
    atexit.register(shutil.rmtree, folder, True)
    code = f"import sys; sys.path[:0] = {sorted(folders)!r}; import matplotlib.font_manager"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "MPLCONFIGDIR": str(folder)}
    try:
        subprocess.run([python_executable(), "-I", "-S", "-c", code], env=env, cwd=folder, timeout=120,
                       capture_output=True, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    built = sorted(folder.glob("fontlist-*.json"))
    if not built:
        return None
    folder.chmod(0o755)
    for path in built:
        path.chmod(0o644)
    return folder


def for_child(submission):
    """The font cache folder to give a child of this submission, or None."""
    return font_cache() if mentions_matplotlib(submission) else None
