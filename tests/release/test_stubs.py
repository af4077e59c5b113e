"""Stub generation: round trip, bytes outside regions, the one-line stub, the messages."""

import pytest

from nndl_hw4.release.regions import find_regions, split_lines
from nndl_hw4.release.stubs import make_stub, region_bodies, replace_bodies, stub_message

from .conftest import REPO

REFERENCE = REPO / "solutions" / "nndl"
MODULE_PARAMS = [pytest.param(name, id=name) for name in ("optim.py", "layers.py", "layer_utils.py", "fc_net.py")]


def without_bodies(text):
    """Drop every region body, found by the banner text alone (an oracle independent of the parser)."""
    lines = text.split("\n")
    kept, state = [], "outside"
    for i, line in enumerate(lines):
        stripped = line.strip()
        if state == "outside":
            kept.append(line)
            state = "header" if stripped == "# YOUR CODE HERE:" else state
        elif state == "header":
            kept.append(line)
            state = "body" if stripped.startswith("# =====") else state
        elif stripped.startswith("# =====") and lines[i + 1].strip() == "# END YOUR CODE HERE":
            kept.append(line)
            state = "outside"
    return "\n".join(kept)


@pytest.mark.parametrize("name", MODULE_PARAMS)
def test_text_outside_region_bodies_is_byte_identical(stubbed_release, name):
    reference = (REFERENCE / name).read_text()
    stub = (stubbed_release / "nndl" / name).read_text()
    assert without_bodies(reference) != reference  # the oracle did drop something
    assert without_bodies(stub) == without_bodies(reference)


@pytest.mark.parametrize("name", MODULE_PARAMS)
def test_reference_bodies_put_back_into_the_stub_give_the_reference(stubbed_release, name):
    reference = (REFERENCE / name).read_text()
    stub = (stubbed_release / "nndl" / name).read_text()
    assert stub != reference
    assert replace_bodies(stub, region_bodies(reference)) == reference


@pytest.mark.parametrize("name", MODULE_PARAMS)
def test_each_region_body_is_one_raise_line(stubbed_release, name):
    stub = (stubbed_release / "nndl" / name).read_text()
    lines = split_lines(stub)
    regions = find_regions(stub, name)
    assert regions
    for region in regions:
        body = lines[region.body_start : region.body_end]
        assert body == [f'{region.indent}raise NotImplementedError("{stub_message(region)}")\n']


def test_utils_are_copied_byte_for_byte(stubbed_release):
    copied = sorted(p.relative_to(stubbed_release / "utils") for p in (stubbed_release / "utils").rglob("*.py"))
    assert copied == sorted(p.relative_to(REPO / "solutions" / "utils") for p in (REPO / "solutions" / "utils").rglob("*.py"))
    for path in copied:
        assert (stubbed_release / "utils" / path).read_bytes() == (REPO / "solutions" / "utils" / path).read_bytes()


@pytest.mark.parametrize(
    ("qualname", "index", "message"),
    [
        pytest.param("adam", 1, "adam: not implemented yet", id="single-region"),
        pytest.param(
            "batchnorm_forward", 2,
            "batchnorm_forward: not implemented yet (YOUR CODE HERE region 2 of 2)",
            id="second-of-two-regions",
        ),
        pytest.param(
            "FullyConnectedNet.loss", 1,
            "FullyConnectedNet.loss: not implemented yet (YOUR CODE HERE region 1 of 2)",
            id="method",
        ),
    ],
)
def test_stub_messages(qualname, index, message):
    regions = [
        r for path in REFERENCE.glob("*.py") for r in find_regions(path.read_text(), path) if r.key == (qualname, index)
    ]
    assert [stub_message(r) for r in regions] == [message]


def test_solved_keys_keep_exactly_those_bodies():
    reference = (REFERENCE / "layers.py").read_text()
    stub = make_stub(reference, "layers.py", solved={("dropout_forward", 2), ("affine_forward", 1)})
    bodies, reference_bodies = region_bodies(stub), region_bodies(reference)
    for key, body in bodies.items():
        if key in {("dropout_forward", 2), ("affine_forward", 1)}:
            assert body == reference_bodies[key]
        else:
            assert len(body) == 1 and "raise NotImplementedError" in body[0]


def test_crlf_endings_survive_outside_the_stub_line():
    source = (REFERENCE / "optim.py").read_text().replace("\n", "\r\n")
    stub = make_stub(source, "optim.py")
    assert "\r\n" in stub and "\n" not in stub.replace("\r\n", "")
    assert replace_bodies(stub, region_bodies(source)) == source


def test_stub_of_a_body_indented_deeper_than_its_banner_is_valid_python():
    banner = "# ================================================================ #\n"
    source = (
        "def f(mode):\n    if mode:\n"
        f"    {banner}    # YOUR CODE HERE:\n    #   Do it.\n    {banner}"
        "        y = 1\n"
        f"    {banner}    # END YOUR CODE HERE\n    {banner}"
        "    else:\n        y = 2\n    return y\n"
    )
    namespace = {}
    exec(compile(make_stub(source), "stub.py", "exec"), namespace)
    assert namespace["f"](False) == 2
    with pytest.raises(NotImplementedError, match="^f: not implemented yet$"):
        namespace["f"](True)
