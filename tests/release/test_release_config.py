"""release.toml: solved regions ship the reference body; bad configs are clear errors."""

import re
import tomllib

import pytest

from nndl_hw4.errors import UsageError
from nndl_hw4.release import builder
from nndl_hw4.release.config import ReleaseConfigError, load_config
from nndl_hw4.release.stubs import region_bodies

from .conftest import REPO, REFERENCE_NNDL, set_solved

HW3 = ["affine_forward", "affine_backward", "relu_forward", "relu_backward", "affine_relu_forward", "affine_relu_backward"]
ALL_QUALNAMES = {
    "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam",
    "affine_forward", "affine_backward", "relu_forward", "relu_backward",
    "batchnorm_forward", "batchnorm_backward", "dropout_forward", "dropout_backward",
    "affine_relu_forward", "affine_relu_backward", "FullyConnectedNet.__init__", "FullyConnectedNet.loss",
}


def _bodies(folder):
    found = {}
    for path in sorted(folder.glob("*.py")):
        found.update(region_bodies(path.read_text(), path.name))
    return found


@pytest.mark.parametrize(
    "solved",
    [
        pytest.param(HW3, id="hw3-carry-over"),
        pytest.param(["batchnorm_forward"], id="function-with-two-regions"),
        pytest.param(["FullyConnectedNet.__init__", "adam"], id="method-and-function"),
        pytest.param([], id="nothing-solved"),
    ],
)
def test_solved_regions_are_the_reference_and_the_rest_are_stubs(kit, solved):
    set_solved(kit, solved)
    builder.build(kit)
    reference, shipped = _bodies(REFERENCE_NNDL), _bodies(kit / "assignment" / "nndl")
    assert set(shipped) == set(reference)
    for (qualname, index), body in shipped.items():
        if qualname in solved:
            assert body == reference[(qualname, index)], (qualname, index)
        else:
            assert body != reference[(qualname, index)], (qualname, index)
            assert len(body) == 1 and "raise NotImplementedError" in body[0], (qualname, index)


def test_solving_everything_ships_the_reference(kit):
    set_solved(kit, sorted(ALL_QUALNAMES))
    builder.build(kit)
    for path in REFERENCE_NNDL.glob("*.py"):
        assert (kit / "assignment" / "nndl" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "unknown",
    [
        pytest.param("affine_fwd", id="typo"),
        pytest.param("sgd", id="function-without-region"),
        pytest.param("loss", id="method-without-class"),
    ],
)
def test_unknown_name_lists_the_valid_qualnames(kit, unknown):
    set_solved(kit, ["adam", unknown])
    with pytest.raises(ReleaseConfigError) as caught:
        builder.build(kit)
    message = caught.value.message
    assert f"names no YOUR CODE HERE region: {unknown};" in message
    listed = set(message.split("valid qualnames: ")[1].split(", "))
    assert listed == ALL_QUALNAMES
    assert not (kit / "assignment").exists()  # nothing written


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(None, "release.toml not found", id="missing-file"),
        pytest.param("solved = [adam]\n", "not valid TOML", id="invalid-toml"),
        pytest.param('solved = "adam"\n', "must be a list", id="solved-not-a-list"),
        pytest.param("solved = [1]\n", "must be a list", id="solved-not-strings"),
        pytest.param('solve = ["adam"]\n', "unknown key(s) solve", id="unknown-key"),
    ],
)
def test_bad_config_files(kit, content, words):
    config = kit / "release.toml"
    config.unlink()
    if content is not None:
        config.write_text(content)
    with pytest.raises(ReleaseConfigError) as caught:
        load_config(kit)
    assert words in caught.value.message
    assert isinstance(caught.value, UsageError) and caught.value.exit_code == 2
    assert caught.value.hint or words == "not valid TOML"


def test_repo_config_solves_nothing():
    assert load_config(REPO).solved == ()


def test_repo_config_example_names_valid_qualnames():
    """The commented HW3 example in release.toml, uncommented, is a valid config."""
    text = (REPO / "release.toml").read_text()
    example = re.search(r"^# solved = \[\n(?:#.*\n)*?# \]\n", text, flags=re.MULTILINE).group(0)
    solved = tomllib.loads(re.sub(r"^# ?", "", example, flags=re.MULTILINE))["solved"]
    assert solved == HW3
    assert set(solved) <= ALL_QUALNAMES
