"""Only what students wrote: the starter subtracted, regions found as the build finds them."""

import re
import zipfile

import pytest

from nndl_hw4 import mutants
from nndl_hw4.grading.submission import discover
from nndl_hw4.similarity.extract import StarterIndex, read_submission, units_of
from nndl_hw4.similarity.starter import generated_starter, starter_from_folder

from .classgen import MODULES, REPO_ROOT, starter_texts


@pytest.fixture(scope="module")
def starter():
    return generated_starter(REPO_ROOT)


@pytest.fixture(scope="module")
def index(starter):
    return StarterIndex(starter)


def own(texts, index, notes=None):
    """{unit key: [own item tokens]} of a submission's texts."""
    units = units_of(texts, index, [] if notes is None else notes)
    return {u.key: [i.tokens for i in u.own_items] for u in units if u.own_items}


def test_the_generated_starter_is_the_committed_release(starter):
    """`nndl-hw4 build` wrote assignment/nndl from the same reference and release.toml."""
    for module in MODULES:
        assert starter.texts[module] == (REPO_ROOT / "assignment" / "nndl" / f"{module}.py").read_text()
    assert starter_from_folder(REPO_ROOT / "assignment").texts["optim"] == starter.texts["optim"]


def test_a_student_who_kept_the_starter_wrote_nothing(index):
    assert own(starter_texts(), index) == {}


def test_the_reference_owns_exactly_its_region_bodies(index):
    units = units_of(mutants.reference_sources(), index, [])
    written = {u.key for u in units if u.own_items}
    assert "optim.adam" in written and "layers.batchnorm_backward" in written
    assert "optim.sgd" not in written and "layers.softmax_loss" not in written     # given code
    for unit in units:
        for item, mine, where in zip(unit.items, unit.own, unit.where):
            assert mine == (where is not None), (unit.key, item)                  # inside a region <=> own
            assert unit.matched_by == "regions"


def test_code_added_outside_the_regions_counts(index):
    texts = starter_texts()
    texts["layer_utils"] = "import numpy as np\n" + texts["layer_utils"]
    texts["layer_utils"] += "\n\ndef affine_bn_relu_forward(x, w, b):\n    out = np.maximum(x @ w + b, 0)\n    return out\n"
    texts["optim"] = texts["optim"].replace("    config['velocity'] = v\n",
                                            "    config['velocity'] = v\n    config['steps'] = config.get('steps', 0) + 1\n", 1)
    found = own(texts, index)
    assert set(found) == {"optim.sgd_momentum", "layer_utils.affine_bn_relu_forward", "layer_utils.<module>"}
    assert found["layer_utils.<module>"] == [("import", "numpy")]
    assert found["optim.sgd_momentum"] == [("v1", "[", "'steps", "]", "=", "+(", "#1.0", "v1", ".get", "call(",
                                            "'steps", "#0.0", ")", ")")]
    assert found["layer_utils.affine_bn_relu_forward"][0][:3] == ("v1", "=", "np")


def test_deleted_banners_fall_back_to_the_starter_function(index):
    reference = mutants.reference_sources()
    banner = re.compile(r"^\s*# (={3,}|YOUR CODE HERE|END YOUR CODE HERE|  ).*\n", re.M)
    stripped = dict(reference, layers=banner.sub("", reference["layers"]))
    notes = []
    units = {u.key: u for u in units_of(stripped, index, notes)}
    assert units["layers.batchnorm_backward"].matched_by == "function"
    # The same student code is found, and the starter's own lines of the function are still subtracted.
    assert own(stripped, index) == own(reference, index)


def test_damaged_banners_are_a_note_not_a_failure(index):
    texts = mutants.reference_sources()
    texts["optim"] = texts["optim"].replace("    # END YOUR CODE HERE\n", "", 1)
    notes = []
    found = own(texts, index, notes)
    assert any("banners damaged" in n for n in notes)
    assert found["optim.adam"] == own(mutants.reference_sources(), index)["optim.adam"]


def test_a_module_that_is_not_python_is_a_note(index):
    texts = dict(mutants.reference_sources(), optim="def sgd_momentum(:\n")
    notes = []
    found = own(texts, index, notes)
    assert notes == ["nndl/optim.py is not valid Python (line 1): not compared"]
    assert "optim.adam" not in found and "layers.batchnorm_backward" in found


def test_regions_shipped_solved_belong_to_the_starter(tmp_path):
    kit = tmp_path / "kit"
    (kit / "solutions").mkdir(parents=True)
    (kit / "release.toml").write_text('solved = ["affine_forward", "adam"]\n')
    starter = generated_starter(kit)
    assert "shipped solved" in starter.origin
    found = own(mutants.reference_sources(), StarterIndex(starter))
    assert "optim.adam" not in found and "layers.affine_forward" not in found and "optim.rmsprop" in found


def test_submissions_are_read_as_grade_reads_them(tmp_path, index):
    """A folder, a zip with a top folder and an otter export (notebook beside nndl/) read alike."""
    texts = mutants.reference_sources()
    folder = tmp_path / "class"
    mutants.write_package(folder / "alice", texts)
    with zipfile.ZipFile(folder / "bob.zip", "w") as archive:
        for module, text in texts.items():
            archive.writestr(f"hw4/nndl/{module}.py", text)
    with zipfile.ZipFile(folder / "carol.zip", "w") as archive:
        archive.writestr("dropout.ipynb", "{}")
        for module, text in texts.items():
            archive.writestr(f"nndl/{module}.py", text)
    (folder / "evil.zip").write_bytes(b"PK\x03\x04 not a zip")
    codes = {s.name: read_submission(s, index) for s in discover([folder])}
    assert codes["evil"].error and not codes["evil"].units
    expected = own(texts, index)
    for name in ("alice", "bob", "carol"):
        assert {u.key: [i.tokens for i in u.own_items] for u in codes[name].units if u.own_items} == expected
        assert set(codes[name].files) >= {f"nndl/{m}.py" for m in MODULES}
