"""Producers: each yields ``(path inside assignment/, bytes)`` for its part of the release.

A producer is any object with a ``name`` and a ``produce(context)`` method
returning an iterable of ``(relative POSIX path, bytes)`` pairs. It must be a
pure function of the kit's files (no clocks, no randomness), because
``build --check`` compares its output with the committed ``assignment/``.
"""

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ..course import localise
from ..errors import KitError, UsageError
from .config import ReleaseConfig, check_names
from .regions import find_regions
from .stubs import make_stub

# Never compared, copied or deleted: caches, and what working through the notebooks in a
# release folder leaves there (data, a saved model, otter's log and export zips).
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "cifar-10-batches-py", "model.npz", ".OTTER_LOG"}


def is_skipped(relative):
    """True for a path (relative to solutions/ or assignment/) the build leaves alone."""
    relative = Path(relative)
    return bool(SKIPPED & set(relative.parts)) or relative.suffix in (".pyc", ".zip")


@dataclass
class BuildContext:
    """What producers read: the kit root and release.toml. ``notes`` collects one-line reports."""

    root: Path
    config: ReleaseConfig
    notes: list = field(default_factory=list)

    @property
    def solutions(self):
        return self.root / "solutions"


def source_files(folder):
    """Files under ``folder``, sorted, without caches and compiled files."""
    if not folder.is_dir():
        raise KitError(f"{folder} not found", hint="the reference lives in solutions/ under the kit root")
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not is_skipped(path.relative_to(folder))
    )


@dataclass(frozen=True)
class StubbedModules:
    """``solutions/<package>/`` → ``<package>/``: every region body becomes a stub.

    The reference is first written for the course (course.localise: the dropout
    convention's docstrings and starter gate). Regions named in release.toml's
    ``solved`` keep their reference body; other files (no regions, not Python)
    are copied as they are.
    """

    package: str = "nndl"

    @property
    def name(self):
        return f"{self.package} stubs"

    def produce(self, context):
        folder = context.solutions / self.package
        files = source_files(folder)
        modules = {}  # path -> (name shown in messages, text, regions)
        for path in files:
            if path.suffix == ".py":
                shown = path.relative_to(context.root).as_posix()
                text = localise(path.read_text(encoding="utf-8"), path.relative_to(context.solutions).as_posix(),
                                context.config.course)
                modules[path] = (shown, text, find_regions(text, shown))
        # Every name is checked before anything is produced.
        check_names(context.config, {r.qualname for *_, regions in modules.values() for r in regions})

        solved = set(context.config.solved)
        stubbed = kept = 0
        for path in files:
            target = f"{self.package}/{path.relative_to(folder).as_posix()}"
            if path not in modules:
                yield target, path.read_bytes()
                continue
            shown, text, regions = modules[path]
            keys = {region.key for region in regions if region.qualname in solved}
            kept += len(keys)
            stubbed += len(regions) - len(keys)
            stub = make_stub(text, shown, keys, regions)
            try:
                ast.parse(stub, filename=target)
            except SyntaxError as error:
                raise KitError(
                    f"the stub generated from {shown} is not valid Python (line {error.lineno}: {error.msg})",
                    hint="check the indentation of the region bodies in the reference",
                ) from error
            yield target, stub.encode("utf-8")
        context.notes.append(f"{self.package}/: {stubbed} region(s) stubbed, {kept} shipped solved")


@dataclass(frozen=True)
class CopiedFiles:
    """``solutions/<package>/`` → ``<package>/`` byte for byte (code given to students complete).

    Refuses a Python file with a ``YOUR CODE HERE`` region: copying it would ship a solution.
    """

    package: str = "utils"

    @property
    def name(self):
        return f"{self.package} copy"

    def produce(self, context):
        folder = context.solutions / self.package
        count = 0
        for path in source_files(folder):
            data = path.read_bytes()
            if path.suffix == ".py":
                shown = path.relative_to(context.root).as_posix()
                regions = find_regions(data.decode("utf-8"), shown)
                if regions:
                    raise UsageError(
                        f"{shown}:{regions[0].line}: {self.package}/ is copied to students as it is, "
                        "so it must not hold YOUR CODE HERE regions (they would ship solved)",
                        hint=f"move {regions[0].qualname} into nndl/, or remove its banners",
                    )
            count += 1
            yield f"{self.package}/{path.relative_to(folder).as_posix()}", data
        context.notes.append(f"{self.package}/: {count} file(s) copied")
