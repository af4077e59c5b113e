"""A generated class for the similarity tests and benchmark: who copied whom is known.

- independent students: each region filled with one of implementations.py's
  versions, written in the student's own style, with their own comments;
- disguised copies: another student's files with locals renamed, independent
  statements swapped, comments rewritten and blank lines added, ``+=``
  expanded or contracted, extra parentheses, ``%`` / f-string / ``format`` /
  ``+ str()`` keys converted, helper functions renamed; one copy also lost
  its YOUR CODE HERE banners, one copied only five functions;
- a public solution (written to an ``--against`` folder) and students who
  each copied it, disguised differently;
- students who share only the starter: stubs as handed out, and partial
  submissions with a few regions done independently.

Every submission is written as a folder holding ``nndl/``, some as zips (one
laid out like an otter export). ``origin`` names what a submission was made
from: two submissions are a planted pair exactly when their origins agree.
"""

import ast
import io
import keyword
import random
import re
import tokenize
import zipfile
from dataclasses import dataclass
from pathlib import Path

from nndl_hw4.release.regions import find_regions, split_lines
from nndl_hw4.release.stubs import replace_bodies
from nndl_hw4.similarity.starter import generated_starter

from . import implementations as impl

MODULES = ("optim", "layers", "layer_utils", "fc_net")
REPO_ROOT = Path(__file__).resolve().parents[2]
COMMENTS = ["# update", "# forward pass", "# see lecture notes", "# TODO check shapes", "# vectorised",
            "# compute the gradient", "# step", "# store for later", "# normalise", "# works now",
            "# from the formula", "# cache what backward needs"]
RENAME_WORDS = ["tmp", "val", "res", "acc", "buf", "store", "cur", "new", "my", "the", "q", "z"]
BANNER = re.compile(r"^\s*#\s*(={3,}|YOUR CODE HERE|END YOUR CODE HERE)")
FORMATS = [
    (re.compile(r"'(\w+)%d' % ([\w.]+)"), r"f'\1{\2}'"),
    (re.compile(r"f'(\w+)\{([\w .+-]+)\}'"), r"'\1{}'.format(\2)"),
    (re.compile(r"'(\w+)' \+ str\(([\w .+-]+)\)"), r"'\1%d' % (\2)"),
    (re.compile(r"'(\w+)\{\}'\.format\(([\w .+-]+)\)"), r"'\1' + str(\2)"),
]


@dataclass
class Student:
    name: str
    texts: dict          # {module: source}
    origin: str          # what it was made from (itself, for independent work)
    kind: str            # independent | copy | markers-deleted | partial-copy | public-copy | stub | partial


def starter_texts():
    """The release's student modules, as `nndl-hw4 build` writes them for this kit."""
    return {m: t for m, t in generated_starter(REPO_ROOT).texts.items() if m in MODULES}


def _indent(body, indent):
    return [(indent + line if line.strip() else line) + "\n" for line in body.splitlines()]


HOIST = 0.2        # chance that an independent student names a sub-expression of a statement


def _subexpressions(node):
    """Sub-expressions of ``node`` worth naming (calls, arithmetic, subscripts), outside f-strings."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.JoinedStr, ast.Lambda, ast.comprehension, ast.GeneratorExp, ast.ListComp)):
            continue
        if isinstance(child, (ast.Call, ast.BinOp, ast.Subscript)) and child.lineno == child.end_lineno:
            yield child
        yield from _subexpressions(child)


def hoist(body, rng, names=("tmp", "t", "val", "term", "part", "z")):
    """Independent habits: some sub-expressions written as a named value on the line before."""
    lines = body.splitlines(keepends=True)
    statements = [n for n in ast.walk(ast.parse(body)) if isinstance(n, (ast.Assign, ast.AugAssign, ast.Return))
                  and n.value is not None and n.lineno == n.end_lineno]
    for k, node in enumerate(sorted(statements, key=lambda n: -n.lineno)):
        options = list(_subexpressions(node.value))
        if not options or rng.random() >= HOIST:
            continue
        sub = rng.choice(options)
        row = lines[node.lineno - 1]
        raw = row.encode()                                  # ast offsets count UTF-8 bytes
        segment = raw[sub.col_offset:sub.end_col_offset].decode()
        name = f"{rng.choice(names)}{k}"
        indent = row[: len(row) - len(row.lstrip())]
        lines[node.lineno - 1] = (raw[:sub.col_offset] + name.encode() + raw[sub.end_col_offset:]).decode()
        lines.insert(node.lineno - 1, f"{indent}{name} = {segment}\n")
    return "".join(lines)


def compose(bodies, helpers, rng, starter):
    """{module: text}: the starter with the given region bodies put in (others stay stubs)."""
    texts = {}
    for module in MODULES:
        text = starter[module]
        regions = find_regions(text, module)
        filled = {}
        for region in regions:
            chosen = bodies.get((module, region.qualname))
            if chosen is None:
                continue
            lines = _indent(chosen[region.index - 1], region.indent)
            if rng.random() < 0.5:
                lines.insert(rng.randrange(len(lines) + 1), region.indent + rng.choice(COMMENTS) + "\n")
            filled[region.key] = lines
        text = replace_bodies(text, filled, module)
        if helpers and module in impl.HELPER_IMPORTS:
            text = _add_import(text, impl.HELPER_IMPORTS[module])
            if module == "layer_utils":
                text = text.rstrip("\n") + "\n" + impl.HELPERS
        texts[module] = text
    return texts


def _add_import(text, line):
    lines = split_lines(text)
    at = next(i for i, row in enumerate(lines) if row.startswith("from ."))
    return "".join(lines[:at] + [line] + lines[at:])


def independent(name, rng, starter, skip=()):
    style = impl.Style.draw(rng)
    bodies, helpers = impl.draw_bodies(rng, style)
    bodies = {key: [hoist(body, rng) for body in chosen] for key, chosen in bodies.items()}
    for key in skip:
        bodies.pop(key, None)
    return Student(name, compose(bodies, helpers and ("fc_net", "FullyConnectedNet.loss") in bodies, rng, starter),
                   name, "independent")


# ---------------------------------------------------------------- disguises

def _names(text):
    return {t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.NAME}


def _rename(text, mapping):
    """Rename NAME tokens (not attributes, not keyword arguments) by ``mapping``."""
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out, depth = [], 0
    for k, tok in enumerate(tokens):
        string = tok.string
        if tok.type == tokenize.OP:
            depth += string in "([{"
            depth -= string in ")]}"
        if tok.type == tokenize.NAME and string in mapping:
            after_dot = k > 0 and tokens[k - 1].string == "."
            is_kwarg = depth > 0 and k + 1 < len(tokens) and tokens[k + 1].string == "="
            if not after_dot and not is_kwarg:
                string = mapping[string]
        elif tok.type == tokenize.STRING and string[:1] in "fF":     # f'W{i}': one token until Python 3.12
            string = re.sub(r"\{([^{}]*)\}", lambda m: "{" + _rename_words(m.group(1), mapping) + "}", string)
        out.append(tok._replace(string=string))
    return tokenize.untokenize(out)


def _rename_words(expression, mapping):
    return re.sub(r"(?<![\w.])([A-Za-z_]\w*)", lambda m: mapping.get(m.group(1), m.group(1)), expression)


def _stored(body):
    names = set()
    for node in ast.walk(ast.parse(body)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _statement_lines(body):
    """[(first, last)] 0-based line spans of the body's top-level statements."""
    return [(n.lineno - 1, n.end_lineno - 1) for n in ast.parse(body).body]


def _swap_independent(lines, rng):
    """Swap adjacent top-level one-line statements that neither read nor write what the other writes."""
    body = "".join(lines)
    try:
        spans = _statement_lines(body)
    except SyntaxError:
        return lines
    singles = [a for a, b in spans if a == b]
    rng.shuffle(singles)
    lines = list(lines)
    for a in singles:
        b = a + 1
        if b not in singles or lines[a].strip().startswith(("for", "if", "else", "return")):
            continue
        one, two = ast.parse(lines[a].strip()), ast.parse(lines[b].strip())
        writes = [_stored(lines[a].strip()), _stored(lines[b].strip())]
        reads = [{n.id for n in ast.walk(t) if isinstance(n, ast.Name)} for t in (one, two)]
        if not (writes[0] & reads[1] or writes[1] & reads[0] or writes[0] & writes[1]):
            lines[a], lines[b] = lines[b], lines[a]
    return lines


def _line_disguise(line, rng):
    """One line disguised: ``+=`` expanded or contracted, a key's format changed, extra parentheses."""
    indent = line[: len(line) - len(line.lstrip())]
    code = line.strip()
    if not code or code.startswith("#"):
        return line
    match = re.fullmatch(r"([\w.\[\]' ]+?) (\+|-|\*|/)= (.+)", code)
    if match and rng.random() < 0.8:
        target, op, value = match.groups()
        return f"{indent}{target} = {target} {op} ({value})\n"
    match = re.fullmatch(r"(\w+) = \1 (\+|\*) (.+)", code)
    # a = a + b - c is a += b - c; a = a * b + c is not a *= b + c: contract only what keeps the value
    if match and rng.random() < 0.8 and (match.group(2) == "+" or not re.search(r"[-+]", match.group(3))):
        target, op, value = match.groups()
        return f"{indent}{target} {op}= {value}\n"
    for pattern, replacement in FORMATS:     # one conversion per line: the first form found
        if pattern.search(code):
            code = pattern.sub(replacement, code)
            break
    match = re.fullmatch(r"(\w+) = ([^=].*)", code)
    if match and rng.random() < 0.4 and not match.group(2).startswith("("):
        code = f"{match.group(1)} = ({match.group(2)})"
    return f"{indent}{code}\n"


def disguise(texts, rng, starter, strip_banners_in=None):
    """A disguised copy of a submission's {module: text}."""
    fixed = set().union(*(_names(t) for t in starter.values())) | set(dir(__builtins__)) | set(keyword.kwlist)
    out = {}
    for module, text in texts.items():
        regions = find_regions(text, module)
        lines = split_lines(text)
        functions = {}
        for region in regions:
            functions.setdefault(region.qualname, []).append(region)
        bodies = {}
        for qualname, group in functions.items():
            stored = set()
            for region in group:
                stored |= _stored(_dedent(lines[region.body_start:region.body_end]))
            mapping = {n: f"{rng.choice(RENAME_WORDS)}_{n}" for n in sorted(stored - fixed)}
            for region in group:
                body = lines[region.body_start:region.body_end]
                body = [row for row in body if not row.strip().startswith("#")]
                renamed = _rename("".join(body), mapping) if mapping else "".join(body)
                body = [_line_disguise(row, rng) for row in split_lines(renamed)]
                body = _reindent(_swap_independent(_dedent_lines(body), rng), region.indent)
                if rng.random() < 0.7:
                    body.insert(rng.randrange(len(body) + 1), region.indent + rng.choice(COMMENTS) + "\n")
                if rng.random() < 0.5:
                    body.insert(rng.randrange(len(body) + 1), "\n")
                bodies[region.key] = body
        text = replace_bodies(text, bodies, module)
        if strip_banners_in == module:
            text = "".join(row for row in split_lines(text) if not BANNER.match(row))
        out[module] = text
    helpers = [h for h in ("affine_batchnorm_relu_forward", "affine_batchnorm_relu_backward")
               if h in out.get("layer_utils", "")]
    if helpers:
        mapping = {h: h.replace("batchnorm", "bn") + "_layer" for h in helpers}
        out = {m: _rename(t, mapping) for m, t in out.items()}
    for module, text in out.items():
        ast.parse(text)     # a disguise never breaks the code
    return out


def _dedent(lines):
    return "".join(_dedent_lines(lines))


def _dedent_lines(lines):
    code = [row for row in lines if row.strip()]
    width = min((len(row) - len(row.lstrip()) for row in code), default=0)
    return [row[width:] if row.strip() else row for row in lines]


def _reindent(lines, indent):
    return [(indent + row if row.strip() else row) for row in lines]


# ---------------------------------------------------------------- a class

PARTIAL_COPY = (("layers", "batchnorm_forward"), ("layers", "batchnorm_backward"), ("optim", "adam"),
                ("optim", "rmsprop"), ("fc_net", "FullyConnectedNet.__init__"))


def partial_copy(name, source, rng, starter):
    """An independent student who then copied five functions of ``source`` (disguised)."""
    own = independent(name, rng, starter)
    copied = disguise(source.texts, rng, starter)
    texts = {}
    for module in MODULES:
        take = {q for m, q in PARTIAL_COPY if m == module}
        theirs = {r.key: r for r in find_regions(copied[module], module) if r.qualname in take}
        lines = split_lines(copied[module])
        texts[module] = replace_bodies(own.texts[module], {k: lines[r.body_start:r.body_end] for k, r in theirs.items()},
                                       module)
    return Student(name, texts, source.origin, "partial-copy")


def generate_class(independents=36, seed=2026, public=True):
    """([Student] of the class, [Student] of the --against folder)."""
    rng = random.Random(seed)
    starter = starter_texts()
    students = [independent(f"s{i:03d}", rng, starter) for i in range(independents)]
    a, b, c, d, e = students[:5]
    students += [
        Student("copy-of-s000", disguise(a.texts, rng, starter), a.origin, "copy"),
        Student("copy-of-s001", disguise(b.texts, rng, starter), b.origin, "copy"),
        Student("nobanner-copy-of-s002", disguise(c.texts, rng, starter, strip_banners_in="layers"), c.origin,
                "markers-deleted"),
        partial_copy("partial-copy-of-s003", d, rng, starter),
        Student("group1-of-s004", disguise(e.texts, rng, starter), e.origin, "copy"),
        Student("group2-of-s004", disguise(e.texts, rng, starter), e.origin, "copy"),
    ]
    against = []
    if public:
        solution = independent("cs231n-solutions", rng, starter)
        solution.origin = "public"
        against.append(solution)
        students += [Student(f"public-copy-{k}", disguise(solution.texts, rng, starter), "public", "public-copy")
                     for k in range(3)]
    students += [Student(f"stub-{k}", dict(starter), f"stub-{k}", "stub") for k in range(3)]
    done = [key for key in impl.SINGLE]
    for k in range(3):
        keep = rng.sample(done, 3)
        skip = [(m, q) for q, m in done if (q, m) not in keep] + [
            ("layers", "batchnorm_forward"), ("layers", "batchnorm_backward"), ("layers", "dropout_forward"),
            ("layers", "dropout_backward"), ("layer_utils", "affine_relu_forward"),
            ("layer_utils", "affine_relu_backward"), ("fc_net", "FullyConnectedNet.loss")]
        student = independent(f"partial-{k}", rng, starter, skip=skip)
        student.kind = "partial"
        students.append(student)
    return students, against


def write_student(folder, student, as_zip=None):
    """Write a submission: a folder holding nndl/, or a zip (``as_zip``: "plain" or "otter")."""
    folder.mkdir(parents=True, exist_ok=True)
    members = {"nndl/__init__.py": "", **{f"nndl/{m}.py": t for m, t in student.texts.items()}}
    if as_zip is None:
        for rel, text in members.items():
            (folder / student.name / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / student.name / rel).write_text(text)
        return folder / student.name
    path = folder / f"{student.name}.zip"
    prefix = "" if as_zip == "otter" else f"{student.name}/"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if as_zip == "otter":
            archive.writestr("dropout.ipynb", '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
        for rel, text in members.items():
            archive.writestr(prefix + rel, text)
    return path


def write_class(root, students, against):
    """root/class/<name>[.zip] and root/public/<name>; a few as zips. Returns (class folder, public folder)."""
    zips = {"s007": "plain", "copy-of-s001": "otter", "s001": "plain"}
    for student in students:
        write_student(root / "class", student, zips.get(student.name))
    for solution in against:
        write_student(root / "public", solution)
    return root / "class", root / "public"


def planted(students):
    """{frozenset({a, b})} of the pairs made from one origin (the class only)."""
    pairs = set()
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            if a.origin == b.origin:
                pairs.add(frozenset((a.name, b.name)))
    return pairs


def is_planted(student_map, a, b):
    return student_map[a].origin == student_map[b].origin

