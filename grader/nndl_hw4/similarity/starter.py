"""The starter code students were given: what their submissions are compared WITHOUT.

By default it is generated in-process exactly as ``nndl-hw4 build`` writes
``assignment/nndl/``: the packaged reference (``nndl_hw4.reference.nndl``)
with every ``YOUR CODE HERE`` body stubbed (``release/stubs.py``), written
for the course (course.localise) and except the regions ``release.toml``
ships solved, when the command runs inside the kit.
``--starter DIR`` reads a release folder instead (an earlier year's
``assignment/``). A wrong starter is not fatal: code every student kept is
shared by the whole class and weighs nothing (see score.py).
"""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .. import course as courses
from ..errors import UsageError
from ..release.builder import find_root
from ..release.config import load_config
from ..release.regions import find_regions
from ..release.stubs import make_stub


@dataclass(frozen=True)
class Starter:
    texts: dict          # {module: source}, e.g. {"optim": "..."}
    origin: str          # how it was obtained, for the report


def generated_starter(root=None):
    """The release's nndl/ as the build writes it; ``root``: the kit root whose release.toml to honour."""
    if root is None:
        try:
            root = find_root(Path.cwd())
        except UsageError:
            root = None
    config = load_config(root) if root is not None else None
    solved = set(config.solved) if config is not None else set()
    course = config.course if config is not None else courses.DEFAULT
    package = resources.files("nndl_hw4.reference.nndl")
    texts = {}
    for entry in sorted(package.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".py"):
            continue
        module = entry.name[:-3]
        text = courses.localise(entry.read_text(encoding="utf-8"), f"nndl/{entry.name}", course)
        regions = find_regions(text, f"nndl/{entry.name}")
        texts[module] = make_stub(text, f"nndl/{entry.name}", {r.key for r in regions if r.qualname in solved}, regions)
    origin = "generated from the packaged reference as `nndl-hw4 build` writes it"
    if solved:
        origin += f" (shipped solved by {root / 'release.toml'}: {', '.join(sorted(solved))})"
    return Starter(texts, origin)


def starter_from_folder(folder):
    """The starter in ``folder`` (a release folder holding nndl/, or an nndl/ folder itself)."""
    folder = Path(folder)
    nndl = folder / "nndl" if (folder / "nndl").is_dir() else folder
    texts = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in sorted(nndl.glob("*.py"))}
    if not texts:
        raise UsageError(f"--starter {folder}: no nndl/*.py found",
                         hint="pass the release folder students were given (holding nndl/), e.g. assignment/")
    return Starter(texts, f"read from {nndl}")
