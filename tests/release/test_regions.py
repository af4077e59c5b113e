"""The region parser: the reference's 20 regions, tricky but valid layouts, malformed banners."""

import textwrap

import pytest

from nndl_hw4.errors import KitError, UsageError
from nndl_hw4.release.regions import RegionError, find_regions, split_lines

from .conftest import REPO

OPEN = "# ================================================================ #\n# YOUR CODE HERE:\n#   {hint}\n# ================================================================ #\n"
CLOSE = "# ================================================================ #\n# END YOUR CODE HERE\n# ================================================================ #\n"


def region(body, indent="    ", hint="Do it."):
    """A well-formed region around ``body``, every line indented by ``indent``."""
    text = OPEN.format(hint=hint) + textwrap.dedent(body) + CLOSE
    return textwrap.indent(text, indent, lambda line: True)


# (file, qualname, index, count) of every region of the reference, in file order.
REFERENCE_REGIONS = [
    ("fc_net.py", "FullyConnectedNet.__init__", 1, 1),
    ("fc_net.py", "FullyConnectedNet.loss", 1, 2),
    ("fc_net.py", "FullyConnectedNet.loss", 2, 2),
    ("layer_utils.py", "affine_relu_forward", 1, 1),
    ("layer_utils.py", "affine_relu_backward", 1, 1),
    ("layers.py", "affine_forward", 1, 1),
    ("layers.py", "affine_backward", 1, 1),
    ("layers.py", "relu_forward", 1, 1),
    ("layers.py", "relu_backward", 1, 1),
    ("layers.py", "batchnorm_forward", 1, 2),
    ("layers.py", "batchnorm_forward", 2, 2),
    ("layers.py", "batchnorm_backward", 1, 1),
    ("layers.py", "dropout_forward", 1, 2),
    ("layers.py", "dropout_forward", 2, 2),
    ("layers.py", "dropout_backward", 1, 2),
    ("layers.py", "dropout_backward", 2, 2),
    ("optim.py", "sgd_momentum", 1, 1),
    ("optim.py", "sgd_nesterov_momentum", 1, 1),
    ("optim.py", "rmsprop", 1, 1),
    ("optim.py", "adam", 1, 1),
]


def test_reference_regions_are_all_found():
    found = []
    for path in sorted((REPO / "solutions" / "nndl").glob("*.py")):
        found += [(path.name, r.qualname, r.index, r.count) for r in find_regions(path.read_text(), path)]
    assert found == REFERENCE_REGIONS


def test_reference_region_spans_hold_the_banners():
    path = REPO / "solutions" / "nndl" / "layers.py"
    lines = split_lines(path.read_text())
    for r in find_regions(path.read_text(), path):
        assert lines[r.start + 1].strip() == "# YOUR CODE HERE:"
        assert lines[r.body_end + 1].strip() == "# END YOUR CODE HERE"
        assert r.end == r.body_end + 3
        assert lines[r.body_start].startswith(r.indent) and not lines[r.body_start][len(r.indent)].isspace()


def test_split_lines_keeps_every_byte():
    source = "a = 1\r\nb = '\x0c'\n\nc = 2"
    assert split_lines(source) == ["a = 1\r\n", "b = '\x0c'\n", "\n", "c = 2"]


# Valid layouts: source -> [(qualname, index, count, body indent)].
VALID = [
    pytest.param(
        "def f(x):\n" + region("y = x\n") + "    return y\n",
        [("f", 1, 1, "    ")],
        id="one-region",
    ),
    pytest.param(
        "class Net:\n    def loss(self, x):\n"
        + region("a = x\n", indent="        ")
        + "        if a:\n"
        + region("b = a\n", indent="            ")
        + "        return a\n",
        [("Net.loss", 1, 2, "        "), ("Net.loss", 2, 2, "            ")],
        id="method-with-two-regions",
    ),
    pytest.param(
        "def outer():\n    def inner(x):\n" + region("y = x\n", indent="        ") + "        return y\n    return inner\n",
        [("outer.<locals>.inner", 1, 1, "        ")],
        id="nested-function",
    ),
    pytest.param(
        "def f(mode):\n    if mode:\n" + region("y = 1\n").replace("    y = 1", "        y = 1") + "        return y\n",
        [("f", 1, 1, "        ")],
        id="body-indented-deeper-than-banner",
    ),
    pytest.param(
        'def f():\n    """Docs quote a banner:\n' + region("not code\n") + '    """\n    return 1\n',
        [],
        id="banner-inside-docstring-is-not-a-region",
    ),
    pytest.param(
        "def f(x):\n    y = x  # YOUR CODE HERE:\n    return y  # END YOUR CODE HERE\n",
        [],
        id="trailing-comments-are-not-banners",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n", hint="line one\n    #\n    #   line three") + "    return y\n",
        [("f", 1, 1, "    ")],
        id="multi-line-instructions",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n").replace("\n", "\r\n") + "    return y\r\n",
        [("f", 1, 1, "    ")],
        id="crlf-line-endings",
    ),
]


@pytest.mark.parametrize(("source", "expected"), VALID)
def test_valid_layouts(tmp_path, source, expected):
    module = tmp_path / "module.py"
    module.write_bytes(source.encode())
    regions = find_regions(module.read_bytes().decode(), module)
    assert [(r.qualname, r.index, r.count, r.indent) for r in regions] == expected


# Malformed banners: source, 1-based line the error must name, words it must say.
MALFORMED = [
    pytest.param(
        "def f(x):\n" + region("y = x\n").split("    # END")[0],
        3,
        "never closed",
        id="unclosed-region",
    ),
    pytest.param(
        "def f(x):\n" + region("a = 1\n" + region("b = 2\n", indent="")),
        8,
        "nested",
        id="nested-region",
    ),
    pytest.param(
        "import numpy\n" + region("x = 1\n", indent=""),
        3,
        "not inside a function",
        id="module-level-region",
    ),
    pytest.param(
        "class A:\n" + region("x = 1\n") + "    def f(self):\n        return 1\n",
        3,
        "not inside a function",
        id="class-body-region",
    ),
    pytest.param(
        "def f(x):\n    y = x\n" + "    # END YOUR CODE HERE\n" + "    return y\n",
        3,
        "without an opening",
        id="end-without-open",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n").split("\n", 1)[1] + "    return y\n",
        2,
        "not preceded by its own",
        id="open-marker-without-rule",
    ),
    pytest.param(
        "def f(x):\n    # ======\n    # YOUR CODE HERE:\n    #   hint\n    y = x\n    # ======\n"
        "    # END YOUR CODE HERE\n    # ======\n    return y\n",
        3,
        "instructions are not closed",
        id="instructions-not-closed",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n").replace("    # ================================================================ #\n    # END", "    # END")
        + "    return y\n",
        7,
        "not preceded by a '# ===' rule",
        id="end-marker-without-rule-above",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n").rsplit("    # ====", 1)[0] + "    return y\n",
        8,
        "not followed by a '# ===' rule",
        id="end-marker-without-rule-below",
    ),
    pytest.param(
        "def f(x):\n" + region("y = x\n").replace("y = x\n", "y = x\ndef g():\n    return 1\n") + "\n",
        7,
        "leaves function f",
        id="body-leaves-function",
    ),
    pytest.param(
        "def f(x):\n" + region("a = 1\n") + region("b = 2\n").split("\n", 1)[1] + "    return a\n",
        10,
        "not preceded by its own",
        id="back-to-back-regions-sharing-a-rule",
    ),
    pytest.param(
        "def f(x):\n" + region("y = (\n"),
        0,
        "not valid Python",
        id="syntax-error",
    ),
]


@pytest.mark.parametrize(("source", "line", "words"), MALFORMED)
def test_malformed_banners_name_file_and_line(tmp_path, source, line, words):
    module = tmp_path / "bad_module.py"
    module.write_text(source)
    with pytest.raises(RegionError) as caught:
        find_regions(module.read_text(), module)
    error = caught.value
    assert isinstance(error, KitError) and isinstance(error, UsageError)
    assert words in error.message
    assert error.path == module
    if line:
        assert error.line == line
        assert str(error).startswith(f"{module}:{line}: ")
    assert "YOUR CODE HERE" in error.hint
