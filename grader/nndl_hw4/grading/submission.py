"""Finding submissions and staging exactly what grading needs from each.

A submission is a folder or a ``.zip`` holding ``nndl/`` (optim.py, layers.py,
layer_utils.py, fc_net.py) at its top level or one or two folders down (a zip
of the assignment folder, an otter export zip with the notebook beside
``nndl/``). ``discover`` turns command-line paths into named submissions;
``stage`` copies the student's ``nndl/*.py`` (and ``model.npz``, for the
final part) into a private folder and hashes them.

Zips are untrusted. Every member is vetted before anything is read: absolute
paths, ``..``, symlinks, encryption, too many members or too many declared
bytes reject the whole submission (a SubmissionError, reported as "failed to
grade" with its reason). Only the needed members are then read, each with a
size cap that holds even if the zip lies about sizes; nothing is ever
extracted by name onto the disk.
"""

import hashlib
import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import KitError, UsageError
from ..handin import MAX_DEPTH, MAX_MODEL_BYTES, MAX_MODULE_BYTES, MAX_MODULES, MODEL_FILE, REQUIRED_MODULES

MAX_MEMBERS = 5000                  # an otter export holds a handful; a zipped home folder does not
MAX_DECLARED_BYTES = 512 << 20      # sum of the members' declared sizes


class SubmissionError(KitError):
    """The submission cannot be graded as handed in (its reason is reported per student)."""
IGNORED_DIRS = {"__MACOSX", "__pycache__", ".ipynb_checkpoints"}
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\.py")


@dataclass(frozen=True)
class Submission:
    name: str          # unique within one run; names the output folder DIR/<name>/
    path: Path
    kind: str          # "dir" | "zip" | "symlink" (inside a class folder: refused)


@dataclass
class Staged:
    """The private copy grading works on: ``root/nndl/*.py`` and maybe ``root/model.npz``."""

    root: Path
    files: dict = field(default_factory=dict)     # {"nndl/optim.py": sha256 hex}
    missing: tuple = ()                           # required modules not handed in: ("fc_net",)
    model: Path | None = None
    oversized_model: int | None = None            # size of a model.npz left behind for being over the cap
    notes: list = field(default_factory=list)     # what was skipped, for the instructor

    @property
    def nndl(self):
        return self.root / "nndl"


# ---------------------------------------------------------------- discovery

def _safe_name(stem):
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._") or "submission"
    return name if name.lower() not in ("grades.csv",) else name + "_"


def _has_nndl(folder):
    return (folder / "nndl").is_dir()


def _entries(folder, exclude):
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name in IGNORED_DIRS:
            continue
        if any(path.resolve() == e for e in exclude):
            continue
        if path.is_symlink():
            yield path, "symlink"   # refused when staged: a class folder may come from student archives
        elif path.is_dir():
            yield path, "dir"
        elif path.is_file() and path.suffix.lower() == ".zip":
            yield path, "zip"


def discover(paths, exclude=()):
    """[Submission] for command-line `paths`, in a stable order with unique names.

    A folder holding ``nndl/`` is one submission; any other folder is a class:
    each of its sub-folders and ``.zip`` files is a submission. `exclude` lists
    folders never to treat as submissions (the output folder).
    """
    exclude = [Path(e).resolve() for e in exclude]
    found = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or folder: {raw}",
                             hint="pass submission folders, .zip files, or a folder holding them")
        if path.is_file():
            if path.suffix.lower() != ".zip":
                raise UsageError(f"{raw} is neither a folder nor a .zip file",
                                 hint="a submission is a folder holding nndl/ or a .zip of one")
            found.append((path, "zip"))
        elif _has_nndl(path):
            found.append((path, "dir"))
        else:
            inside = list(_entries(path, exclude))
            if not inside:
                raise UsageError(f"nothing to grade in {raw}: no nndl/ folder, no sub-folders, no .zip files",
                                 hint="pass a submission (a folder holding nndl/, or a .zip) "
                                      "or a folder of submissions")
            found += inside

    submissions, taken = [], set()
    for path, kind in found:
        base = _safe_name(path.name[:-4] if path.name.lower().endswith(".zip") else path.name)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        submissions.append(Submission(name=name, path=path, kind=kind))
    return submissions


# ------------------------------------------------------------------ staging

def _choose_nndl(prefixes, where):
    """The prefix ("", "top/", ...) of the shallowest nndl/ folder; error when none or ambiguous."""
    if not prefixes:
        raise SubmissionError(
            f"no nndl/ folder with {', '.join(m + '.py' for m in REQUIRED_MODULES)} found in {where} "
            f"(looked at the top and up to {MAX_DEPTH} folders down)")
    depth = min(p.count("/") for p in prefixes)
    shallowest = sorted(p for p in prefixes if p.count("/") == depth)
    if len(shallowest) > 1:
        raise SubmissionError(f"{where} holds several nndl/ folders: "
                              f"{', '.join(p + 'nndl/' for p in shallowest)}; hand in exactly one")
    return shallowest[0]


def _is_required(name):
    return name in {m + ".py" for m in REQUIRED_MODULES}


def _finish(staged):
    modules = [p for p in staged.nndl.iterdir() if p.suffix == ".py"] if staged.nndl.is_dir() else []
    if len(modules) > MAX_MODULES:
        raise SubmissionError(f"nndl/ holds {len(modules)} Python files (at most {MAX_MODULES})")
    for path in sorted(staged.root.rglob("*")):
        if path.is_file():
            staged.files[path.relative_to(staged.root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    staged.missing = tuple(m for m in REQUIRED_MODULES if not (staged.nndl / f"{m}.py").is_file())
    model = staged.root / MODEL_FILE
    staged.model = model if model.is_file() else None
    return staged


def _cap_for(name):
    return MAX_MODEL_BYTES if name == MODEL_FILE else MAX_MODULE_BYTES


def _too_big(name):
    cap = _cap_for(name)
    return SubmissionError(f"{name} is larger than {cap >> 20} MiB")


def stage(submission, dest):
    """Copy what grading needs from `submission` into the new folder `dest`; return Staged."""
    dest = Path(dest)
    (dest / "nndl").mkdir(parents=True)
    staged = Staged(root=dest)
    if submission.kind == "symlink":
        raise SubmissionError(f"{submission.path.name} is a symbolic link: refusing to follow it")
    if submission.kind == "zip":
        _stage_zip(submission.path, staged)
    else:
        _stage_dir(submission.path, staged)
    return _finish(staged)


def _stage_dir(folder, staged):
    prefixes, level = [], [("", folder)]
    for _ in range(MAX_DEPTH + 1):
        prefixes = [p for p, f in level if (f / "nndl").is_dir() and not (f / "nndl").is_symlink()
                    and any(_is_required(c.name) for c in (f / "nndl").iterdir())]
        if prefixes:
            break
        level = [(f"{p}{c.name}/", c) for p, f in level for c in sorted(f.iterdir())
                 if c.is_dir() and not c.is_symlink() and not c.name.startswith(".") and c.name not in IGNORED_DIRS]
    prefix = _choose_nndl(prefixes, folder.name)
    top = folder / prefix
    for path in sorted((top / "nndl").iterdir()):
        _copy_regular(path, staged.nndl / path.name, f"nndl/{path.name}", staged)
    model = top / MODEL_FILE
    if model.exists() or model.is_symlink():
        _copy_regular(model, staged.root / MODEL_FILE, MODEL_FILE, staged)


def _copy_regular(path, target, shown, staged):
    if not (path.suffix == ".py" or path.name == MODEL_FILE):
        return
    if path.suffix == ".py" and not MODULE_NAME.fullmatch(path.name):
        staged.notes.append(f"ignored {shown}: not a valid module name")
        return
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        staged.notes.append(f"ignored {shown}: not a regular file (a symlink?)")
        return
    if info.st_size > _cap_for(path.name):
        _oversized(staged, path.name, shown, info.st_size)
        return
    with open(path, "rb") as src:
        data = src.read(_cap_for(path.name) + 1)
    if len(data) > _cap_for(path.name):
        _oversized(staged, path.name, shown, len(data))
        return
    target.write_bytes(data)


def _oversized(staged, name, shown, size):
    """An oversized model costs the final part only (scored 0 with the reason); a module fails staging."""
    if name != MODEL_FILE:
        raise _too_big(shown)
    staged.oversized_model = size
    staged.notes.append(f"ignored {shown}: {size >> 20} MiB, over the {MAX_MODEL_BYTES >> 20} MiB cap")


def _member_problem(info, name):
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return f"an absolute path ({info.filename!r})"
    if ".." in PurePosixPath(name).parts:
        return f"a path leaving the archive ({info.filename!r})"
    if stat.S_ISLNK(info.external_attr >> 16):
        return f"a symbolic link ({info.filename!r})"
    if info.flag_bits & 0x1:
        return f"an encrypted member ({info.filename!r})"
    return None


def _stage_zip(path, staged):
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise SubmissionError(f"the zip holds {len(members)} entries (at most {MAX_MEMBERS})")
            declared = sum(m.file_size for m in members)
            if declared > MAX_DECLARED_BYTES:
                raise SubmissionError(f"the zip unpacks to {declared >> 20} MiB (at most {MAX_DECLARED_BYTES >> 20} MiB)")
            files = {}
            for info in members:
                name = info.filename.replace("\\", "/")
                problem = _member_problem(info, name)
                if problem:
                    raise SubmissionError(f"the zip contains {problem}: refusing to unpack it")
                if info.is_dir() or name.split("/", 1)[0] in IGNORED_DIRS:
                    continue
                files.setdefault(name, []).append(info)

            candidates = set()
            for name in files:
                parts = name.split("/")
                if len(parts) >= 2 and parts[-2] == "nndl" and len(parts) - 2 <= MAX_DEPTH and _is_required(parts[-1]):
                    candidates.add("".join(p + "/" for p in parts[:-2]))
            prefix = _choose_nndl(candidates, path.name)
            wanted = {n: n[len(prefix):] for n in files
                      if n.startswith(prefix + "nndl/") and n.count("/") == prefix.count("/") + 1}
            if prefix + MODEL_FILE in files:
                wanted[prefix + MODEL_FILE] = MODEL_FILE
            for name, rel in sorted(wanted.items()):
                if not (rel.endswith(".py") or rel == MODEL_FILE):
                    continue
                if rel.endswith(".py") and not MODULE_NAME.fullmatch(rel.split("/")[-1]):
                    staged.notes.append(f"ignored {rel}: not a valid module name")
                    continue
                if len(files[name]) > 1:
                    raise SubmissionError(f"the zip holds {name} {len(files[name])} times: refusing to guess which")
                info = files[name][0]
                cap = _cap_for(rel)
                if info.file_size > cap:
                    _oversized(staged, rel, rel, info.file_size)
                    continue
                with archive.open(info) as src:
                    data = src.read(cap + 1)
                if len(data) > cap:
                    _oversized(staged, rel, rel, len(data))
                    continue
                (staged.root / rel).write_bytes(data)
    except SubmissionError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError,
            RuntimeError, ValueError, OSError) as error:
        raise SubmissionError(f"{path.name} is not a readable zip file ({error})") from None


def remove_staged(staged_root):
    shutil.rmtree(staged_root, ignore_errors=True)
