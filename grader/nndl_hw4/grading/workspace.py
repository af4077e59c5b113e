"""A private working copy of one submission, ready to be mounted into a sandbox.

The copy holds the student's ``nndl/*.py`` (regular files only, size-capped)
with the kit's own empty ``nndl/__init__.py`` in place of the student's, and
the grader's OWN trusted ``utils/``; the student's utils/ is never used.
Nothing else is copied: ``harness/hw4child`` and ``site/<package>`` are
symlinks to the installed harness package, numpy and the other packages the
notebooks import (``sandbox.command.package_dirs``), shared read-only by
every submission (bubblewrap binds their targets; the direct backend follows
them).
"""

import shutil
import tempfile
from pathlib import Path

from .. import child as child_package
from ..handin import MAX_MODULE_BYTES, MAX_MODULES
from ..reference import utils as reference_utils
from ..sandbox.backends import HostPaths
from ..sandbox.command import package_dirs
from .submission import SubmissionError

HARNESS_DIR = Path(child_package.__file__).resolve().parent
UTILS_DIR = Path(reference_utils.__file__).resolve().parent


class Workspace:
    """A private folder for one submission: its copy, the harness, per-run inputs."""

    def __init__(self, root, submission_copy, harness, site=None):
        self.root, self.submission, self.harness = Path(root), Path(submission_copy), Path(harness)
        self.site = Path(site) if site is not None else None

    def paths(self, io_dir):
        return HostPaths(submission=self.submission, harness=self.harness, io=io_dir, site=self.site)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _copy_py_files(src, dest, skip=()):
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.iterdir()):
        if path.suffix == ".py" and path.is_file() and not path.is_symlink() and path.name not in skip:
            shutil.copyfile(path, dest / path.name)
            (dest / path.name).chmod(0o644)
    dest.chmod(0o755)


def create_workspace(nndl_dir, tmp_root=None):
    """Workspace for the student package folder `nndl_dir` (holding optim.py, layers.py...)."""
    nndl_dir = Path(nndl_dir)
    modules = [p for p in nndl_dir.iterdir() if p.suffix == ".py" and p.is_file() and not p.is_symlink()]
    if len(modules) > MAX_MODULES:
        raise SubmissionError(f"nndl/ holds {len(modules)} Python files (at most {MAX_MODULES})")
    too_big = [p.name for p in modules if p.stat().st_size > MAX_MODULE_BYTES]
    if too_big:
        raise SubmissionError(f"nndl/{too_big[0]} is larger than {MAX_MODULE_BYTES >> 20} MiB")

    root = Path(tempfile.mkdtemp(prefix="nndl-hw4-", dir=tmp_root))
    try:
        root.chmod(0o755)
        copy = root / "submission"
        # The kit's own empty __init__.py, never the student's: some years' starter one
        # imports modules students never hand in (from .neural_net import *).
        _copy_py_files(nndl_dir, copy / "nndl", skip={"__init__.py"})
        (copy / "nndl" / "__init__.py").write_text("")
        (copy / "nndl" / "__init__.py").chmod(0o644)
        _copy_py_files(UTILS_DIR, copy / "utils")
        copy.chmod(0o755)
        harness = root / "harness"
        harness.mkdir(mode=0o755)
        (harness / "hw4child").symlink_to(HARNESS_DIR, target_is_directory=True)
        site = root / "site"
        site.mkdir(mode=0o755)
        for folder in package_dirs():
            (site / folder.name).symlink_to(folder, target_is_directory=True)
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Workspace(root, copy, harness, site)


def remove_workspace(workspace):
    workspace.remove()
