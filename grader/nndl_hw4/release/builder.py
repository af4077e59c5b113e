"""Build the student release ``assignment/`` from the reference ``solutions/``.

The release is the union of what an ordered list of producers yields, each a
set of ``(path inside assignment/, bytes)`` pairs (see producers.py):

1. ``StubbedModules("nndl")``: the student modules, region bodies stubbed;
2. ``CopiedFiles("utils")``: the given code, copied as it is;
3. ``HintsFile()``: ``utils/hints.json``, what the known mistakes output in
   the notebooks' check cells, for the course (hints.py);
4. ``StudentNotebooks()``: the notebooks, made by ``otter assign`` from the
   master notebooks solutions/*.ipynb (notebooks.py).

``build`` writes every produced file (only those whose bytes changed) and
deletes files in ``assignment/`` that no producer yields, so the tree is
exactly the producers' output. ``check`` compares instead of writing and
raises ``StaleReleaseError`` naming each changed, missing and extra file.
Caches (``__pycache__``, ``.ipynb_checkpoints``) and what running the notebooks leaves
behind (data, model.npz, otter's log and export zips) are never compared or deleted.

Extending the release: append a producer to ``PRODUCERS``; ``build`` and
``build --check`` then cover its files with no other change. Two producers
yielding the same path is an error. The otter autograder zips are build
output outside assignment/ (notebooks.write_autograders, called by the CLI).
"""

from dataclasses import dataclass
from pathlib import Path

from ..errors import KitError, StaleReleaseError, UsageError
from .config import load_config
from .hints import HintsFile
from .notebooks import StudentNotebooks
from .producers import BuildContext, CopiedFiles, StubbedModules, is_skipped

RELEASE_DIR = "assignment"
PRODUCERS = (StubbedModules("nndl"), CopiedFiles("utils"), HintsFile(), StudentNotebooks())


@dataclass(frozen=True)
class Staleness:
    """Relative paths whose committed state differs from the producers' output."""

    changed: tuple = ()
    missing: tuple = ()
    extra: tuple = ()

    def __bool__(self):
        return bool(self.changed or self.missing or self.extra)

    def lines(self):
        return [f"  {kind:<8}{path}" for kind in ("changed", "missing", "extra") for path in getattr(self, kind)]


@dataclass(frozen=True)
class BuildReport:
    """What ``build`` did, for the one-screen summary."""

    written: tuple
    unchanged: int
    removed: tuple
    notes: tuple

    def summary(self, target):
        total = len(self.written) + self.unchanged
        lines = [
            f"Built {target} ({total} files: {len(self.written)} written, "
            f"{self.unchanged} unchanged, {len(self.removed)} removed)"
        ]
        lines += [f"  wrote   {path}" for path in self.written]
        lines += [f"  removed {path}" for path in self.removed]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def find_root(start):
    """The nearest folder at or above ``start`` that holds pyproject.toml and solutions/."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "solutions").is_dir():
            return folder
    raise UsageError(
        f"no kit root found: no folder from {start} up holds both pyproject.toml and solutions/",
        hint="run nndl-hw4 inside the kit's repository, or pass --root DIR",
    )


def check_root(root):
    """``root`` as a resolved Path, or a UsageError if it holds no solutions/."""
    root = Path(root).resolve()
    if not (root / "solutions").is_dir():
        raise UsageError(f"{root} is not a kit root: it has no solutions/ folder", hint="pass --root DIR of the kit")
    return root


def render(root, producers=PRODUCERS):
    """Run the producers: ``({relative path: bytes}, notes)``."""
    context = BuildContext(root=root, config=load_config(root))
    files = {}
    owner = {}
    for producer in producers:
        for path, data in producer.produce(context):
            if path in files:
                raise KitError(f"{path} is produced twice: by {owner[path]} and by {producer.name}")
            files[path] = data
            owner[path] = producer.name
    return files, tuple(context.notes)


def existing_files(target):
    """Relative POSIX paths of the files now in ``target`` (caches skipped)."""
    if not target.is_dir():
        return set()
    return {
        path.relative_to(target).as_posix()
        for path in target.rglob("*")
        if (path.is_file() or path.is_symlink()) and not is_skipped(path.relative_to(target))
    }


def compare(target, files):
    """How ``target`` differs from ``files``."""
    present = existing_files(target)
    return Staleness(
        changed=tuple(sorted(p for p in files if p in present and (target / p).read_bytes() != files[p])),
        missing=tuple(sorted(p for p in files if p not in present)),
        extra=tuple(sorted(present - set(files))),
    )


def check(root, producers=PRODUCERS):
    """Raise StaleReleaseError unless ``root/assignment`` is exactly what ``build`` writes."""
    files, _ = render(root, producers)
    staleness = compare(root / RELEASE_DIR, files)
    if staleness:
        count = len(staleness.changed) + len(staleness.missing) + len(staleness.extra)
        raise StaleReleaseError(
            "\n".join([f"{RELEASE_DIR}/ is stale: {count} file(s) differ from what `nndl-hw4 build` writes:"]
                      + staleness.lines()),
            hint=f"run `nndl-hw4 build` and commit {RELEASE_DIR}/ (never edit it by hand)",
        )
    return len(files)


def build(root, producers=PRODUCERS):
    """Write ``root/assignment`` so that it equals the producers' output; return a BuildReport."""
    files, notes = render(root, producers)
    target = root / RELEASE_DIR
    staleness = compare(target, files)
    written = tuple(sorted(staleness.changed + staleness.missing))
    for path in written:
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(files[path])
    for path in staleness.extra:
        (target / path).unlink()
    _prune_empty_dirs(target)
    return BuildReport(written=written, unchanged=len(files) - len(written), removed=staleness.extra, notes=notes)


def _prune_empty_dirs(target):
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
