"""`nndl-hw4 build` and `build --check`: the repo's release is fresh; stale files are named."""

import pytest

from nndl_hw4.errors import KitError, StaleReleaseError
from nndl_hw4.release import builder

from .conftest import REPO, release_size, run_cli


def test_repo_release_is_up_to_date():
    """assignment/ in git equals what `nndl-hw4 build` writes: run `nndl-hw4 build` if this fails."""
    result = run_cli("build", "--check", "--root", str(REPO))
    assert result.exit_code == 0, result.output
    assert "assignment/ is up to date" in result.stdout


def test_root_is_found_from_a_subfolder(monkeypatch):
    monkeypatch.chdir(REPO / "solutions" / "nndl")
    result = run_cli("build", "--check")
    assert result.exit_code == 0, result.output


def _modify(kit):
    path = kit / "assignment" / "nndl" / "layers.py"
    path.write_text(path.read_text().replace('raise NotImplementedError("relu_forward', 'out = x  # ("relu_forward'))
    return "changed", "nndl/layers.py"


def _delete(kit):
    (kit / "assignment" / "utils" / "solver.py").unlink()
    return "missing", "utils/solver.py"


def _add(kit):
    (kit / "assignment" / "nndl" / "my_notes.py").write_text("x = 1\n")
    return "extra", "nndl/my_notes.py"


def _edit_hints(kit):
    path = kit / "assignment" / "utils" / "hints.json"
    path.write_text(path.read_text().replace("Adam without bias correction", "Adam, probably"))
    return "changed", "utils/hints.json"


def _change_reference(kit):
    path = kit / "solutions" / "nndl" / "optim.py"
    path.write_text(path.read_text().replace("def adam(", "def adam_renamed("))
    return "changed", "nndl/optim.py"


def _solve_in_config(kit):
    (kit / "release.toml").write_text('solved = ["adam"]\n')
    return "changed", "nndl/optim.py"


STALE = [
    pytest.param(_modify, id="modified-file"),
    pytest.param(_delete, id="missing-file"),
    pytest.param(_add, id="extra-file"),
    pytest.param(_edit_hints, id="hints-edited"),
    pytest.param(_change_reference, id="reference-changed"),
    pytest.param(_solve_in_config, id="config-changed"),
]


@pytest.mark.parametrize("make_stale", STALE)
def test_check_names_the_stale_file(built_kit, make_stale):
    kind, path = make_stale(built_kit)
    result = run_cli("build", "--check", "--root", str(built_kit))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith("ERROR: assignment/ is stale: 1 file(s) differ")
    assert f"  {kind:<8}{path}" in result.stderr.splitlines()
    assert "TIP: run `nndl-hw4 build`" in result.stderr


@pytest.mark.parametrize("make_stale", STALE)
def test_build_repairs_what_check_reports(built_kit, make_stale):
    kind, path = make_stale(built_kit)
    result = run_cli("build", "--root", str(built_kit))
    assert result.exit_code == 0, result.output
    verb = "removed" if kind == "extra" else "wrote  "
    assert f"  {verb} {path}" in result.stdout.splitlines()
    assert (built_kit / "assignment" / path).exists() == (kind != "extra")
    assert builder.check(built_kit) == release_size(built_kit)


def test_check_names_every_stale_file_at_once(built_kit):
    _modify(built_kit), _delete(built_kit), _add(built_kit)
    with pytest.raises(StaleReleaseError) as caught:
        builder.check(built_kit)
    lines = caught.value.message.splitlines()
    assert lines[0] == "assignment/ is stale: 3 file(s) differ from what `nndl-hw4 build` writes:"
    assert lines[1:] == ["  changed nndl/layers.py", "  missing utils/solver.py", "  extra   nndl/my_notes.py"]


def test_never_built_kit_is_stale(kit):
    with pytest.raises(StaleReleaseError) as caught:
        builder.check(kit)
    assert f"{release_size(kit)} file(s) differ" in caught.value.message


def test_caches_are_ignored_and_kept(built_kit):
    for cache in ("nndl/__pycache__/layers.cpython-311.pyc", ".ipynb_checkpoints/x.ipynb"):
        (built_kit / "assignment" / cache).parent.mkdir(parents=True, exist_ok=True)
        (built_kit / "assignment" / cache).write_bytes(b"cache")
    builder.check(built_kit)
    report = builder.build(built_kit)
    assert report.removed == ()
    assert (built_kit / "assignment" / "nndl" / "__pycache__" / "layers.cpython-311.pyc").exists()


@pytest.mark.parametrize("left_behind", [
    pytest.param("cifar-10-batches-py/data_batch_1", id="downloaded-data"),
    pytest.param("model.npz", id="saved-model"),
    pytest.param(".OTTER_LOG", id="otter-log"),
    pytest.param("dropout_2026_11_26T10_00_00_000000.zip", id="otter-export"),
])
def test_what_running_the_notebooks_leaves_is_ignored_and_kept(built_kit, left_behind):
    path = built_kit / "assignment" / left_behind
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"work")
    builder.check(built_kit)
    assert builder.build(built_kit).removed == ()
    assert path.read_bytes() == b"work"


def test_build_removes_emptied_folders(built_kit):
    (built_kit / "assignment" / "old" / "deep").mkdir(parents=True)
    (built_kit / "assignment" / "old" / "deep" / "file.txt").write_text("stale")
    builder.build(built_kit)
    assert not (built_kit / "assignment" / "old").exists()


def test_build_summary(kit):
    result = run_cli("build", "--root", str(kit))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    size = release_size(kit)
    assert lines[0] == f"Built assignment/ ({size} files: {size} written, 0 unchanged, 0 removed)"
    assert "  wrote   nndl/layers.py" in lines
    assert "  nndl/: 20 region(s) stubbed, 0 shipped solved" in lines
    again = run_cli("build", "--root", str(kit))
    assert again.stdout.splitlines()[0] == f"Built assignment/ ({size} files: 0 written, {size} unchanged, 0 removed)"


class _Notebook:
    """A stand-in for the planned notebook producer."""

    name = "notebooks"

    def produce(self, context):
        yield "hw4.ipynb", b'{"cells": []}\n'


def test_an_appended_producer_is_built_and_checked(built_kit):
    producers = builder.PRODUCERS + (_Notebook(),)
    with pytest.raises(StaleReleaseError, match="missing hw4.ipynb"):
        builder.check(built_kit, producers)
    builder.build(built_kit, producers)
    assert (built_kit / "assignment" / "hw4.ipynb").read_bytes() == b'{"cells": []}\n'
    assert builder.check(built_kit, producers) == release_size(built_kit) + 1
    with pytest.raises(StaleReleaseError, match="extra   hw4.ipynb"):
        builder.check(built_kit)


def test_two_producers_of_one_path_is_an_error(kit):
    with pytest.raises(KitError, match="hw4.ipynb is produced twice: by notebooks and by notebooks"):
        builder.render(kit, (_Notebook(), _Notebook()))
