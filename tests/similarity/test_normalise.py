"""Normalised statements: every usual disguise reads the same, and real differences do not."""

import ast
import textwrap

import pytest

from nndl_hw4.similarity.fingerprint import Hasher, sorted_blocks, winnow
from nndl_hw4.similarity.normalise import module_names, normalise

KNOWN = {"np", "affine_forward", "relu_forward"}


def tokens(code, helpers=()):
    """The normalised statements of a function body, in order."""
    tree = ast.parse(textwrap.dedent(code))
    return [item.tokens for item in normalise(tree.body, KNOWN, frozenset(helpers))]


def stream(code, helpers=()):
    """The statements as fingerprinting orders them (blocks of simple statements sorted)."""
    tree = ast.parse(textwrap.dedent(code))
    items = normalise(tree.body, KNOWN, frozenset(helpers))
    return [items[i].tokens for i in sorted_blocks(items, range(len(items)))]


ORIGINAL = """
    velocity = mu * velocity - lr * dw   # momentum
    next_w = w + velocity
    key = 'W%d' % i
    scale = 1.0 / np.sqrt(var + eps)
    """


@pytest.mark.parametrize("disguised", [
    pytest.param("""
        v = mu * v - lr * dw
        nw = w + v
        k = 'W%d' % i
        s = 1.0 / np.sqrt(var + eps)
        """, id="renamed"),
    pytest.param("""
        # the velocity first

        velocity = (mu * velocity) - (lr * dw)


        next_w = (w + velocity)   # then the step
        key = ('W%d' % i)
        scale = (1.0 / (np.sqrt((var + eps))))
        """, id="comments-blank-lines-parentheses"),
    pytest.param("""
        velocity = velocity * mu - dw * lr
        next_w = velocity + w
        key = 'W%d' % i
        scale = 1 / np.sqrt(eps + var)
        """, id="commutative-operands-and-1-vs-1.0"),
    pytest.param("""
        velocity = mu * velocity - lr * dw
        next_w = w + velocity
        key = f'W{i}'
        scale = 1.0 / np.sqrt(var + eps)
        """, id="f-string"),
    pytest.param("""
        velocity = mu * velocity - lr * dw
        next_w = w + velocity
        key = 'W{}'.format(i)
        scale = 1.0 / np.sqrt(var + eps)
        """, id="format"),
    pytest.param("""
        velocity = mu * velocity - lr * dw
        next_w = w + velocity
        key = 'W' + str(i)
        scale = 1.0 / np.sqrt(var + eps)
        """, id="concatenation"),
])
def test_a_disguise_normalises_to_the_same_statements(disguised):
    assert tokens(disguised) == tokens(ORIGINAL)


def test_augmented_assignment_is_the_expanded_assignment():
    assert tokens("a += b * c") == tokens("a = a + b * c") == tokens("a = b * c + a")
    assert tokens("x -= y") == tokens("x = x - y")
    assert tokens("x -= y") != tokens("x = y - x")        # subtraction does not commute


def test_independent_statements_in_another_order_give_the_same_stream():
    one = "a = x.sum(axis=0)\nb = x.mean(axis=0)\nc = a + b\nfor i in range(3):\n    d = i\n    e = 2 * i\n"
    two = "b = x.mean(axis=0)\na = x.sum(axis=0)\nc = b + a\nfor j in range(3):\n    e = 2 * j\n    d = j\n"
    assert stream(one) == stream(two)
    assert tokens(one) != tokens(two)       # the order itself is kept in the items; only the stream sorts


def test_real_differences_stay_different():
    assert tokens("dx = dout @ w.T") != tokens("dx = w.T @ dout")
    assert tokens("out = x @ w + x") != tokens("out = w @ x + x")
    assert tokens("out = x @ w") == tokens("out = w @ x")      # alpha-equivalent: a renaming of each other
    assert tokens("y = np.sqrt(v + eps)") != tokens("y = np.sqrt(v) + eps")
    assert tokens("var = x.var(axis=0)") != tokens("var = x.var(axis=1)")
    assert tokens("mask = (r < p) / p") != tokens("mask = (r >= p) / (1 - p)")


def test_library_names_stay_locals_are_numbered_per_statement():
    (assign,) = tokens("out = np.maximum(x, 0)")
    assert assign == ("v1", "=", "np", ".maximum", "call(", "v2", "#0.0", ")")


def test_helpers_hide_behind_one_name():
    one = tokens("h, c = affine_bn_relu_forward(x, w)", helpers={"affine_bn_relu_forward"})
    two = tokens("out, cache = layer_forward(a, b)", helpers={"layer_forward"})
    assert one == two and "F" in one[0]


def test_docstrings_pass_and_comments_vanish():
    assert tokens('"""doc"""\npass\n# comment\nx = 1\n') == tokens("x = 1")


def test_module_names_are_what_the_module_binds():
    tree = ast.parse("import numpy as np\nfrom .layers import affine_forward\nSCALE = 2\ndef helper(): pass\n")
    assert module_names(tree) == {"np", "affine_forward", "SCALE", "helper"}


def test_compound_headers_span_their_own_lines_only():
    items = normalise(ast.parse("if a:\n    # a comment\n    b = 1\nelse:\n    b = 2\n").body, set())
    header = items[0]
    assert header.tokens[0] == "if" and (header.line, header.end_line) == (1, 1) and not header.simple


def test_winnowing_catches_every_long_enough_common_run():
    """Schleimer et al.'s guarantee: a common run of K + WINDOW - 1 tokens shares a fingerprint."""
    import random

    from nndl_hw4.similarity.fingerprint import K, WINDOW

    rng = random.Random(7)
    hasher = Hasher()
    for _ in range(50):
        common = [hasher.id(str(rng.randrange(40))) for _ in range(K + WINDOW - 1)]
        left = [hasher.id(str(rng.randrange(1000, 2000))) for _ in range(rng.randrange(30))]
        right = [hasher.id(str(rng.randrange(1000, 2000))) for _ in range(rng.randrange(30))]
        one = {h for _, h in winnow(left + common + right)}
        two = {h for _, h in winnow(right[::-1] + common + left[::-1])}
        assert one & two
