"""A wheel of the kit built from its INSTALLED files, for the Gradescope autograder zip.

Gradescope's setup.sh pip-installs this wheel, so the autograder runs exactly
the grader that built the zip (its checks, reference, rubric code). The files
come from wherever the packages are imported from: site-packages for a normal
install, the source folders for an editable one. No build backend, no network.
The bytes depend only on the files (fixed timestamps and modes).
"""

import base64
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from .. import __version__

DISTRIBUTION = "nndl-hw4"
TOP = "nndl_hw4"
EPOCH = (1980, 1, 1, 0, 0, 0)   # zip timestamps: reproducible bytes
EXECUTABLE = 0o755
REGULAR = 0o644


def zip_entry(archive, name, data, mode=REGULAR):
    """Write `data` as `name` with a fixed time and Unix `mode`."""
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr = (0o100000 | mode) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def _wanted(parts):
    return parts[0] == TOP and "__pycache__" not in parts and not parts[-1].endswith((".pyc", ".pyo"))


def _recorded(dist):
    return [f for f in dist.files or () if _wanted(f.parts)]


def _editable_root(dist):
    """The source tree of an editable install (None for any other kind)."""
    direct = json.loads(dist.read_text("direct_url.json") or "{}")
    if not direct.get("dir_info", {}).get("editable"):
        return None
    return Path(url2pathname(urlsplit(direct["url"]).path))


def installed_distribution():
    """The installed distribution of the running kit: the one whose RECORD holds this package's
    files, or an editable install (a stale nndl_hw4.egg-info in the working directory is neither)."""
    here = Path(__file__).resolve().parent
    for dist in importlib.metadata.distributions(name=DISTRIBUTION):
        if any(Path(dist.locate_file(f)).resolve().parent == here for f in _recorded(dist)):
            return dist
        if _editable_root(dist) is not None:
            return dist
    raise RuntimeError(f"cannot find how {DISTRIBUTION} is installed: reinstall it (pip install .)")


def _editable_packages(dist):
    """The packages of an editable install, from the pyproject.toml of its source tree."""
    root = _editable_root(dist)
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["packages"]


def package_files(dist):
    """[(path in the wheel, bytes)] of the installed kit, sorted.

    A normal install: the files its RECORD lists under nndl_hw4/ (exactly what
    pip installed). An editable one: each package's own files, from wherever
    it is imported (the packages named in the source tree's pyproject.toml).
    """
    recorded = _recorded(dist)
    if recorded:
        return sorted((f.as_posix(), Path(dist.locate_file(f)).read_bytes()) for f in recorded)
    files = []
    for package in _editable_packages(dist):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the installed kit has no package {package}: reinstall {DISTRIBUTION}")
        folder = Path(list(spec.submodule_search_locations)[0])
        prefix = package.replace(".", "/")
        for path in sorted(folder.iterdir()):
            if path.is_file() and not path.name.startswith(".") and _wanted((TOP, path.name)):
                files.append((f"{prefix}/{path.name}", path.read_bytes()))
    return sorted(files)


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def wheel_name():
    return f"nndl_hw4-{__version__}-py3-none-any.whl"


def build_wheel():
    """(file name, bytes) of a py3-none-any wheel of the installed kit."""
    dist = installed_distribution()
    if dist.version != __version__:
        raise RuntimeError(f"installed metadata says {DISTRIBUTION} {dist.version} but the code is {__version__}: "
                           "reinstall nndl-hw4")
    info_dir = f"nndl_hw4-{__version__}.dist-info"
    files = package_files(dist)
    files.append((f"{info_dir}/METADATA", dist.read_text("METADATA").encode()))
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files.append((f"{info_dir}/entry_points.txt", entry_points.encode()))
    files.append((f"{info_dir}/top_level.txt", b"nndl_hw4\n"))
    files.append((f"{info_dir}/WHEEL", b"Wheel-Version: 1.0\nGenerator: nndl-hw4 gradescope\n"
                                       b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = "\n".join([_record_line(n, d) for n, d in files] + [f"{info_dir}/RECORD,,"]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files:
            zip_entry(archive, name, data)
        zip_entry(archive, f"{info_dir}/RECORD", record.encode())
    return wheel_name(), buffer.getvalue()
