"""Finding a submission's nndl/ and staging only what grading needs, from folders and zips."""

import os
import zipfile

import pytest

from nndl_hw4.grading import submission as sub
from nndl_hw4.grading.submission import Submission, SubmissionError, discover, stage

from .conftest import nndl_members, write_dir, write_zip


def _stage(path, tmp_path):
    kind = "zip" if path.suffix == ".zip" else "dir"
    return stage(Submission(path.stem, path, kind), tmp_path / f"staged-{path.name}")


def test_a_zip_stages_only_nndl_modules_and_the_model(tmp_path):
    path = write_zip(tmp_path / "s.zip", {"HW4.ipynb": "{}", **nndl_members(), "model.npz": b"npz",
                                          "nndl/notes.txt": "x", "utils/solver.py": "x = 1",
                                          "data/cifar.bin": b"\0" * 100})
    staged = _stage(path, tmp_path)
    assert sorted(staged.files) == ["model.npz", "nndl/__init__.py", "nndl/fc_net.py", "nndl/layer_utils.py",
                                    "nndl/layers.py", "nndl/optim.py"]
    assert staged.model == staged.root / "model.npz" and staged.missing == ()


def test_the_shallowest_nndl_wins_and_two_at_one_level_are_refused(tmp_path):
    nested = write_zip(tmp_path / "n.zip", {**nndl_members("a/b/"), **nndl_members("a/")})
    assert _stage(nested, tmp_path).files
    two = write_zip(tmp_path / "two.zip", {**nndl_members("x/"), **nndl_members("y/")})
    with pytest.raises(SubmissionError, match="several nndl/ folders: x/nndl/, y/nndl/"):
        _stage(two, tmp_path)


def test_no_nndl_folder_is_a_reason_not_a_crash(tmp_path):
    path = write_zip(tmp_path / "s.zip", {"HW4.ipynb": "{}", "optim.py": "x = 1"})
    with pytest.raises(SubmissionError, match="no nndl/ folder with layers.py"):
        _stage(path, tmp_path)


def test_too_many_members_and_too_many_bytes_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sub, "MAX_MEMBERS", 5)
    many = write_zip(tmp_path / "many.zip", {**nndl_members(), "extra.txt": "x"})
    with pytest.raises(SubmissionError, match="holds 6 entries"):
        _stage(many, tmp_path)
    monkeypatch.setattr(sub, "MAX_MEMBERS", 5000)
    monkeypatch.setattr(sub, "MAX_DECLARED_BYTES", 1 << 20)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in nndl_members().items():
            archive.writestr(name, text)
        archive.writestr("padding.bin", b"\0" * (2 << 20))   # compresses to 2 KiB
    with pytest.raises(SubmissionError, match="unpacks to"):
        _stage(bomb, tmp_path)


def test_a_huge_module_is_refused(tmp_path):
    members = nndl_members()
    members["nndl/optim.py"] = "#" * (sub.MAX_MODULE_BYTES + 1)
    with pytest.raises(SubmissionError, match="nndl/optim.py is larger than 1 MiB"):
        _stage(write_zip(tmp_path / "big.zip", members), tmp_path)


def test_a_duplicated_member_is_refused(tmp_path):
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning, match="Duplicate name"):
        for name, text in nndl_members().items():
            archive.writestr(name, text)
        archive.writestr("nndl/optim.py", "x = 1")
    with pytest.raises(SubmissionError, match="holds nndl/optim.py 2 times"):
        _stage(path, tmp_path)


def test_a_folder_skips_symlinks_and_reports_the_missing_module(tmp_path):
    folder = write_dir(tmp_path / "student")
    optim = folder / "nndl" / "optim.py"
    optim.rename(tmp_path / "elsewhere.py")
    os.symlink(tmp_path / "elsewhere.py", optim)
    staged = _stage(folder, tmp_path)
    assert staged.missing == ("optim",)
    assert "nndl/optim.py" not in staged.files
    assert any("optim.py" in note and "symlink" in note for note in staged.notes)


def test_a_folder_with_nndl_one_level_down_is_found(tmp_path):
    write_dir(tmp_path / "alice" / "hw4")
    assert "nndl/optim.py" in _stage(tmp_path / "alice", tmp_path).files


def test_a_class_folder_lists_folders_and_zips_and_skips_the_rest(tmp_path):
    write_dir(tmp_path / "class" / "bob")
    write_zip(tmp_path / "class" / "carol smith.zip", nndl_members())
    (tmp_path / "class" / "readme.txt").write_text("x")
    (tmp_path / "class" / ".hidden").mkdir()
    (tmp_path / "class" / "grades").mkdir()
    found = discover([tmp_path / "class"], exclude=[tmp_path / "class" / "grades"])
    assert [(s.name, s.kind) for s in found] == [("bob", "dir"), ("carol_smith", "zip")]


def test_a_folder_holding_nndl_is_one_submission(tmp_path):
    write_dir(tmp_path / "alice")
    assert [s.name for s in discover([tmp_path / "alice"])] == ["alice"]
