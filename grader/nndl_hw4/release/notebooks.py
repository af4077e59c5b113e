"""The notebooks of the release and the otter autograder zips, both made by ``otter assign``.

For each master notebook ``solutions/<name>.ipynb`` (otter-assign format),
``assign`` stages in a temporary folder what the master's ASSIGNMENT CONFIG
refers to (``utils/`` for ``files:``, the grader package ``nndl_hw4/`` for
``autograder_files:``), runs otter's own ``otter assign`` there without its
self-test (see the master's config), and keeps two results:

- the student notebook, normalised so that it is a pure function of the
  master (cell ids, metadata and outputs made deterministic): the
  ``StudentNotebooks`` producer yields it into assignment/, so ``build`` and
  ``build --check`` cover it like every other file (the solution notebook
  otter makes beside it, with the same init and export cells, is kept for
  the kit's tests);
- the autograder zip (``<name>-autograder.zip``): build output, written by
  ``write_autograders`` outside assignment/ and never committed.

Before assigning, the masters' graded questions and test cells are checked
against the check catalogue and rubric.toml (otter_tests.py). Results are
memoised on the exact bytes staged, so repeated builds in one process (the
test suite) run otter assign once per distinct input.
"""

import contextlib
import hashlib
import io
import tempfile
import tomllib
import warnings
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

import nbformat
import yaml

from .. import course as courses
from ..course import localise
from ..errors import KitError
from . import hints
from .producers import source_files

SEPARATOR = "\x1e"     # joins cell sources for localise (never in a notebook's text)
AUTOGRADER_DIR = Path("dist") / "otter"   # under the kit root; gitignored build output
CELL_METADATA = ("tags", "editable", "deletable", "otter")   # kept; everything else is volatile
NOTEBOOK_METADATA = ("kernelspec", "language_info", "otter")
PACKAGE_SUFFIXES = (".py", ".json", ".toml", ".npz")   # what pyproject.toml installs (code, package data)


def masters(root):
    """The master notebooks, solutions/*.ipynb, sorted."""
    return sorted((Path(root) / "solutions").glob("*.ipynb"))


def grader_files(root):
    """{'nndl_hw4/<path>': bytes}: the installed grader package, file by file.

    The autograder runs the checks inside the grading container, which need
    not have the kit installed, so its zip carries the grader that builds it
    (the packages that the kit's pyproject.toml lists, as installed: in an
    editable install they are the kit's sources).
    """
    config = tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    files = {}
    for package in config["packages"]:
        try:
            folder = resources.files(package)
        except ModuleNotFoundError as error:
            raise KitError(f"pyproject.toml lists {package}, which is not installed: {error}",
                           hint="reinstall the kit: pip install .") from error
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_file() and entry.name.endswith(PACKAGE_SUFFIXES):
                files["/".join(package.split(".") + [entry.name])] = entry.read_bytes()
    return files


def cifar10_batches(cifar10_dir):
    """The cifar-10-batches-py folder at or in cifar10_dir, or a KitError."""
    from ..reference.utils.data_utils import CIFAR10NotFoundError, find_CIFAR10

    try:
        return Path(find_CIFAR10(str(cifar10_dir)))
    except CIFAR10NotFoundError as error:
        raise KitError(str(error).strip().splitlines()[0], hint="pass --cifar10-dir DIR holding "
                       "cifar-10-batches-py/ (nndl-hw4 data download --dir DIR)") from None


def localised_notebook(data, name, course):
    """The bytes of a master notebook written for `course` (course.localise over its cells' sources)."""
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    if not courses.texts_of(name):
        return data
    joined = localise(SEPARATOR.join(cell.source for cell in nb.cells), name, course)
    for cell, source in zip(nb.cells, joined.split(SEPARATOR)):
        cell.source = source
    return nbformat.writes(nb).encode("utf-8")


def staged_files(root, master, cifar10_dir=None, course=courses.DEFAULT):
    """{relative path: bytes} of the folder otter assign runs in.

    The master is written for `course`, the staged utils/ is the release's
    (utils/hints.json included: otter copies it over every graded submission),
    and the staged grader carries the course's settings (nndl_hw4/course.toml,
    read by course.packaged).

    With cifar10_dir, the six CIFAR-10 batch files are staged too, as
    ``cifar-10-batches-py/``, and added to the master's ``autograder_files``:
    the autograder then carries the data set and otter copies it next to each
    submission, where the final part's scorer finds it.
    """
    root = Path(root)
    files = {master.name: localised_notebook(master.read_bytes(), master.name, course)}
    folder = root / "solutions" / "utils"   # the masters' `files:`
    for path in source_files(folder):
        files[f"utils/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    files[hints.PATH] = hints.hints_file(root, course)
    files.update(grader_files(root))
    files[f"nndl_hw4/{courses.PACKAGED}"] = courses.settings_toml(course).encode("utf-8")
    if cifar10_dir is not None:
        from ..reference.utils.data_utils import BATCH_FILES, CIFAR10_DIRNAME

        batches = cifar10_batches(cifar10_dir)
        for name in BATCH_FILES:
            files[f"{CIFAR10_DIRNAME}/{name}"] = (batches / name).read_bytes()
        nb = nbformat.reads(files[master.name].decode("utf-8"), as_version=4)
        config = yaml.safe_load(nb.cells[0].source)
        config["autograder_files"] = [*config.get("autograder_files", []), CIFAR10_DIRNAME]
        nb.cells[0].source = "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)
        files[master.name] = nbformat.writes(nb).encode("utf-8")
    return files


@dataclass(frozen=True)
class Assigned:
    """What otter assign made of one master notebook."""

    student: bytes          # the normalised student notebook
    solution: bytes         # otter's autograder notebook: the solution with init and export cells
    autograder: bytes       # the autograder zip, as otter wrote it


_memo = {}


def otter_version():
    return metadata.version("otter-grader")


def _otter_assign():
    """otter's ``otter assign`` entry point (importing otter makes its dependencies warn)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # ipylab's traitlets usage, at import
        from otter.assign import main
    return main


def _key(files):
    digest = hashlib.sha256(otter_version().encode())
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return digest.hexdigest()


def assign(root, master, cifar10_dir=None, course=courses.DEFAULT):
    """Run otter assign on one master notebook (memoised on everything staged)."""
    files = staged_files(root, master, cifar10_dir, course)
    key = _key(files)
    if key not in _memo:
        _memo[key] = _run_otter_assign(master.name, files)
    return _memo[key]


def _run_otter_assign(name, files):
    otter_assign = _otter_assign()

    with tempfile.TemporaryDirectory(prefix="nndl-hw4-assign-") as tmp:
        stage = Path(tmp)
        for path, data in files.items():
            (stage / path).parent.mkdir(parents=True, exist_ok=True)
            (stage / path).write_bytes(data)
        log = io.StringIO()
        try:
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                otter_assign(str(stage / name), str(stage / "dist"), no_pdfs=True, no_run_tests=True)
        except Exception as error:
            raise KitError(f"otter assign failed on solutions/{name}: {type(error).__name__}: {error}",
                           hint="fix the master notebook's otter cells (BEGIN/END QUESTION, TESTS, SOLUTION)") from error
        zips = sorted((stage / "dist" / "autograder").glob("*-autograder_*.zip"))
        if len(zips) != 1:
            raise KitError(f"otter assign wrote {len(zips)} autograder zips for solutions/{name}, expected 1")
        master = nbformat.reads(files[name].decode("utf-8"), as_version=4)
        student, solution = (nbformat.read(stage / "dist" / kind / name, as_version=4)
                             for kind in ("student", "autograder"))
        return Assigned(student=normalise(student, master), solution=normalise(solution, master),
                        autograder=zips[0].read_bytes())


def normalise(nb, master):
    """The bytes of `nb` with everything volatile made a function of its content.

    Outputs and execution counts go; cell metadata keeps tags, editability and
    otter's own keys; a cell keeps the id it had in the master, and a cell
    otter added gets one derived from its type and source.
    """
    master_ids = [cell.get("id") for cell in master.cells]
    reusable = {i for i in master_ids if i and master_ids.count(i) == 1}
    used = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata = nbformat.from_dict({k: cell.metadata[k] for k in CELL_METADATA if k in cell.metadata})
        cell.pop("attachments", None)
        cid = cell.get("id")
        if cid not in reusable or cid in used:
            digest = hashlib.sha256(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()
            cid = f"otter-{digest[:12]}"
            n = 1
            while cid in used or cid in reusable:
                n += 1
                cid = f"otter-{digest[:12]}-{n}"
        cell.id = cid
        used.add(cid)
    nb.metadata = nbformat.from_dict({k: nb.metadata[k] for k in NOTEBOOK_METADATA if k in nb.metadata})
    nb.nbformat, nb.nbformat_minor = 4, 5
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def check_masters(root):
    """Raise KitError unless the masters' graded questions match the catalogue and rubric.toml."""
    from .otter_tests import load_inputs, release_problems

    found = masters(root)
    if not found:
        return
    rubric, checks = load_inputs()
    notebooks = {f"solutions/{p.name}": nbformat.read(p, as_version=4) for p in found}
    problems = release_problems(notebooks, rubric, checks)
    if problems:
        raise KitError(
            "the master notebooks' otter questions disagree with the check catalogue or rubric.toml:\n"
            + "\n".join(f"  {p}" for p in problems),
            hint="run `python -m nndl_hw4.release.otter_tests --write` in the kit root, review and commit",
        )


@dataclass(frozen=True)
class StudentNotebooks:
    """``solutions/*.ipynb`` → ``<name>.ipynb``: otter assign's student notebooks."""

    name: str = "notebooks"

    def produce(self, context):
        check_masters(context.root)
        count = 0
        for master in masters(context.root):
            count += 1
            yield master.name, assign(context.root, master, course=context.config.course).student
        if count:
            context.notes.append(f"notebooks: {count} student notebook(s) made by otter assign "
                                 f"(otter-grader {otter_version()})")


def final_part_masters(root):
    """The names of the masters that hold the final part (a rubric question of kind accuracy)."""
    from .otter_tests import load_inputs, question_blocks

    rubric, _ = load_inputs()
    accuracy = {q.id for q in rubric.questions if q.kind == "accuracy"}
    return {m.name for m in masters(root)
            if accuracy & {b.name for b in question_blocks(nbformat.read(m, as_version=4))}}


def write_autograders(root, target=None, cifar10_dir=None, course=courses.DEFAULT):
    """Write ``<name>-autograder.zip`` for every master into target (default dist/otter); the paths.

    cifar10_dir: ship that CIFAR-10 in the autograder of the notebook with the
    final part (about 180 MB), for graders that cannot point CIFAR10_DIR at it
    (``otter grade`` containers, Gradescope).
    """
    root = Path(root)
    target = root / AUTOGRADER_DIR if target is None else Path(target)
    check_masters(root)
    with_data = final_part_masters(root) if cifar10_dir is not None else set()
    written = []
    for master in masters(root):
        target.mkdir(parents=True, exist_ok=True)
        path = target / f"{master.stem}-autograder.zip"
        path.write_bytes(assign(root, master, cifar10_dir if master.name in with_data else None, course).autograder)
        written.append(path)
    return written


__all__ = ["AUTOGRADER_DIR", "Assigned", "StudentNotebooks", "assign", "check_masters", "cifar10_batches",
           "final_part_masters", "grader_files", "masters", "normalise", "write_autograders"]
