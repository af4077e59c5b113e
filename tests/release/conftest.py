"""Fixtures for the release tests: a temporary copy of the kit, built or not.

A kit copy holds what the builder reads (solutions/, release.toml,
pyproject.toml), so every scenario edits its own files, never the repo's.
"""

import importlib
import importlib.util
import shutil
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from nndl_hw4.cli import main
from nndl_hw4.release import builder

REPO = Path(__file__).resolve().parents[2]
REFERENCE_NNDL = REPO / "solutions" / "nndl"
MODULES = ("optim", "layers", "layer_utils", "fc_net")


def copy_kit(destination):
    """Copy the builder's inputs from the repo into ``destination``; return it."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "solutions", destination / "solutions", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("release.toml", "pyproject.toml"):
        shutil.copy2(REPO / name, destination / name)
    return destination


def release_size(kit):
    """How many files build writes for ``kit``: one per file under solutions/nndl and solutions/utils,
    one student notebook per master notebook solutions/*.ipynb, and utils/hints.json."""
    return 1 + sum(
        1
        for package in ("nndl", "utils")
        for path in (kit / "solutions" / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    ) + len(list((kit / "solutions").glob("*.ipynb")))


def set_solved(kit, names):
    """Rewrite the kit's release.toml to ship ``names`` solved."""
    quoted = ", ".join(f'"{name}"' for name in names)
    (kit / "release.toml").write_text(f"solved = [{quoted}]\n")


def run_cli(*args):
    """Invoke ``nndl-hw4 ARGS`` in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(main, list(args))


def load_nndl(folder):
    """Import ``folder`` (an nndl/ package) under a fresh name; ``{module name: module}``.

    A unique name per load keeps stubs, solved variants and the reference apart
    in sys.modules; the caller removes them with ``unload``.
    """
    name = f"_nndl_under_test_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return {module: importlib.import_module(f"{name}.{module}") for module in MODULES}


def unload(modules):
    prefix = next(iter(modules.values())).__package__
    for name in [n for n in sys.modules if n == prefix or n.startswith(prefix + ".")]:
        del sys.modules[name]


@pytest.fixture
def kit(tmp_path):
    """A copy of the kit's inputs, not built yet."""
    return copy_kit(tmp_path / "kit")


@pytest.fixture
def built_kit(kit):
    """A copy of the kit with assignment/ freshly built."""
    builder.build(kit)
    return kit


@pytest.fixture(scope="session")
def stubbed_release(tmp_path_factory):
    """assignment/ built from the repo's solutions with every region stubbed (shared, read-only)."""
    kit = copy_kit(tmp_path_factory.mktemp("stubbed") / "kit")
    set_solved(kit, [])
    builder.build(kit)
    return kit / "assignment"
