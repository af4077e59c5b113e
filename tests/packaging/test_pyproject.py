"""pyproject.toml lists packages explicitly (solutions/ and data/ are mapped into
nndl_hw4), so a new subpackage that is not listed would vanish from a
non-editable install. These tests catch that before CI does."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _config():
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def _packages_on_disk():
    cfg = _config()
    found = set()
    for name, rel in cfg["package-dir"].items():
        root = REPO / rel
        for init in root.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            sub = init.parent.relative_to(root).parts
            found.add(".".join((name,) + sub))
    return found


def test_every_subpackage_on_disk_is_listed():
    listed = set(_config()["packages"])
    missing = sorted(_packages_on_disk() - listed)
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_every_listed_package_exists():
    stale = sorted(set(_config()["packages"]) - _packages_on_disk())
    assert not stale, f"pyproject.toml lists packages with no __init__.py: {stale}"
