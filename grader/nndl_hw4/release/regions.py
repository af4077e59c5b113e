"""Find the ``YOUR CODE HERE`` regions of a reference module.

A region is a banner pair around the reference code a student must write::

    # ================================================================ #
    # YOUR CODE HERE:
    #   <instructions: any number of comment lines>
    # ================================================================ #
    <body>
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

Banners are found by text, but only on lines that hold nothing but a comment
(``tokenize`` tells comments from strings, so a docstring quoting a banner is
not a region). ``ast`` then names the function each region sits in, as Python's
``__qualname__`` spells it (``FullyConnectedNet.loss``), and regions are
numbered within their function (region k of n). Anything else is a
``RegionError`` that names the file and line.
"""

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from ..errors import UsageError

OPEN_MARKER = re.compile(r"#\s*YOUR CODE HERE:?\s*")
END_MARKER = re.compile(r"#\s*END YOUR CODE HERE:?\s*")
RULE = re.compile(r"#\s*={3,}\s*#?\s*")

BANNER_HINT = (
    "a region is '# ===...' / '# YOUR CODE HERE:' / instruction comments / '# ===...', "
    "the reference body, then '# ===...' / '# END YOUR CODE HERE' / '# ===...', inside a function"
)


class RegionError(UsageError):
    """A ``YOUR CODE HERE`` banner in a reference module is malformed."""

    def __init__(self, path, line, problem):
        super().__init__(f"{path}:{line}: {problem}", hint=f"fix the banner: {BANNER_HINT}")
        self.path = path
        self.line = line


@dataclass(frozen=True)
class Region:
    """One region; line indices are 0-based into ``split_lines(source)``.

    ``lines[start:body_start]`` is the opening banner, ``lines[body_start:body_end]``
    the reference body, ``lines[body_end:end]`` the closing banner.
    """

    qualname: str
    index: int  # 1-based position among the regions of its function
    count: int  # number of regions in that function
    start: int
    body_start: int
    body_end: int
    end: int
    indent: str  # indentation of the body's first code line (the banner's if none)

    @property
    def line(self):
        """1-based line number of the opening ``YOUR CODE HERE`` marker."""
        return self.start + 2

    @property
    def key(self):
        """(qualname, index): names this region among all regions of a module."""
        return (self.qualname, self.index)

    @property
    def label(self):
        """How messages name the region: ``adam`` or ``batchnorm_forward (region 2 of 2)``."""
        if self.count == 1:
            return self.qualname
        return f"{self.qualname} (region {self.index} of {self.count})"


def split_lines(source):
    """Split into lines that keep their endings; ``"".join`` gives the source back.

    Only ``\\n`` ends a line (``str.splitlines`` would also split at form feeds).
    """
    return [line for line in re.split(r"(?<=\n)", source) if line]


def find_regions(source, path="<string>"):
    """Return the regions of ``source`` in file order; ``path`` is only used in messages."""
    if "YOUR CODE HERE" not in source:
        return []
    lines = split_lines(source)
    tree = _parse(source, path)
    comment_lines = _comment_lines(source, path)

    def kind(i):
        """'code', 'comment', or which banner line ('open', 'end', 'rule') line i is."""
        if i not in comment_lines:
            return "code"
        text = lines[i].strip()  # a banner line holds its comment and nothing else
        for name, pattern in (("open", OPEN_MARKER), ("end", END_MARKER), ("rule", RULE)):
            if pattern.fullmatch(text):
                return name
        return "comment"

    functions = _functions(tree)
    named = []
    for start, body_start, body_end, end in _spans(len(lines), kind, path):
        qualname = _enclosing(functions, start + 2, path)
        code = [n for n in range(body_start, body_end) if kind(n) == "code" and lines[n].strip()]
        for n in code:
            if not _inside(functions, qualname, n + 1):
                raise RegionError(path, n + 1, f"the body of the region opened at line {start + 2} leaves function {qualname}")
        first = lines[code[0]] if code else lines[start + 1]
        indent = first[: len(first) - len(first.lstrip())]
        named.append((qualname, start, body_start, body_end, end, indent))

    counts = {}
    for qualname, *_ in named:
        counts[qualname] = counts.get(qualname, 0) + 1
    seen = {}
    regions = []
    for qualname, start, body_start, body_end, end, indent in named:
        seen[qualname] = seen.get(qualname, 0) + 1
        regions.append(Region(qualname, seen[qualname], counts[qualname], start, body_start, body_end, end, indent))
    return regions


def _spans(count, kind, path):
    """(start, body_start, body_end, end) of each well-formed banner pair among ``count`` lines."""
    spans = []
    i = 0
    while i < count:
        k = kind(i)
        if k == "end":
            raise RegionError(path, i + 1, "'END YOUR CODE HERE' without an opening 'YOUR CODE HERE' banner")
        if k != "open":
            i += 1
            continue
        if i == 0 or kind(i - 1) != "rule" or (spans and i - 1 < spans[-1][3]):
            raise RegionError(path, i + 1, "'YOUR CODE HERE' is not preceded by its own '# ===' rule line")
        j = i + 1
        while j < count and kind(j) == "comment":
            j += 1
        if j == count or kind(j) != "rule":
            raise RegionError(path, i + 1, "the 'YOUR CODE HERE' banner's instructions are not closed by a '# ===' rule line")
        body_start = j = j + 1
        while j < count and kind(j) not in ("open", "end"):
            j += 1
        if j == count:
            raise RegionError(path, i + 1, "region is never closed: no 'END YOUR CODE HERE' banner follows")
        if kind(j) == "open":
            raise RegionError(path, j + 1, f"nested 'YOUR CODE HERE' banner inside the region opened at line {i + 1}")
        if kind(j - 1) != "rule" or j - 1 < body_start:
            raise RegionError(path, j + 1, "'END YOUR CODE HERE' is not preceded by a '# ===' rule line")
        if j + 1 == count or kind(j + 1) != "rule":
            raise RegionError(path, j + 1, "'END YOUR CODE HERE' is not followed by a '# ===' rule line")
        spans.append((i - 1, body_start, j - 1, j + 2))
        i = j + 2
    return spans


def _parse(source, path):
    try:
        return ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise RegionError(path, error.lineno or 0, f"not valid Python: {error.msg}") from error


def _comment_lines(source, path):
    """0-based indices of lines with a comment token (so not text inside a string)."""
    found = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                found.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError) as error:
        raise RegionError(path, 0, f"cannot tokenize: {error}") from error
    return found


def _functions(tree):
    """(qualname, first body line, last line) for every function, 1-based and inclusive."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                continue  # a def is a statement: no need to walk expressions
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = prefix + child.name
                found.append((qualname, child.lineno + 1, child.end_lineno))
                visit(child, qualname + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def _enclosing(functions, line, path):
    """Qualname of the innermost function whose body spans ``line`` (1-based)."""
    best = None
    for qualname, first, last in functions:
        if first <= line <= last and (best is None or first >= best[1]):
            best = (qualname, first)
    if best is None:
        raise RegionError(path, line, "'YOUR CODE HERE' region is not inside a function (stubs replace function bodies)")
    return best[0]


def _inside(functions, qualname, line):
    return any(q == qualname and first <= line <= last for q, first, last in functions)
