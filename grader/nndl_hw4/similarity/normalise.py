"""Normalise Python code into token items that survive the usual disguises.

One ``Item`` per statement (a compound statement gives one item for its
header, then items for its body one level deeper). Its tokens come from
Python's ``ast``, so comments, blank lines and parentheses never reach them,
and:

- local names (any name the module does not bind and Python does not
  provide: parameters, variables) become ``v1``, ``v2``... numbered by first
  appearance WITHIN the statement, so renaming is invisible and every
  statement reads the same wherever it moved;
- names the student defined (helper functions and methods the starter does
  not have) become ``F``; library and starter names (``np.sqrt``,
  ``affine_forward``) stay, since a student cannot rename them;
- ``a += b`` is ``a = a + b``; the operands of ``+`` and ``*`` chains are
  sorted (``w + v`` is ``v + w``);
- f-strings, ``'%d' % i``, ``'{}'.format(i)`` and ``'W' + str(i)`` are one
  ``fmt(...)`` form; numbers are canonical (``1`` is ``1.0``, ``1e-5`` is
  ``0.00001``), long or free-text strings are one ``'STR`` bucket;
- docstrings, ``pass``, ``global`` and type annotations vanish.
"""

import ast
import builtins
import re
from dataclasses import dataclass

from .formatting import call_parts, format_parts, joined_parts

BUILTINS = frozenset(dir(builtins)) | {"np", "numpy"}    # numpy's usual names, imported or not
LOCAL = "v"
HELPER = "F"
UNKNOWN = "~"          # sorts after every numbered name: see _sorted_operands
COMMUTATIVE = (ast.Add, ast.Mult)
WORD = re.compile(r"[\w%. -]{0,24}")
OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|",
    ast.BitXor: "^", ast.BitAnd: "&", ast.And: "and", ast.Or: "or", ast.Not: "not", ast.Invert: "~",
    ast.UAdd: "u+", ast.USub: "u-", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
    ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in",
}


@dataclass(frozen=True)
class Item:
    """One normalised statement (a compound statement's header) of a unit."""

    tokens: tuple       # normalised tokens; context-free, so equal statements give equal tuples
    depth: int          # nesting depth inside the unit (0: its top level)
    line: int           # first line in the file (1-based)
    end_line: int       # last line (a compound statement: its header's last line)
    simple: bool        # a simple statement: may be reordered within its block


def module_names(tree):
    """Names a module binds at its top level (imports, functions, classes, assignments): not local."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def normalise(statements, known=frozenset(), helpers=frozenset(), depth=0):
    """[Item] for a list of ast statements.

    ``known``: names kept as they are (builtins are added); ``helpers``: names hidden as F; every
    other name is local and numbered. Deciding by what the MODULE binds (not by what a function
    assigns) keeps a name's reading the same in the starter and in a submission, where the stub
    never assigns ``next_w`` but the student's code does.
    """
    items = []
    _Block(frozenset(known) | BUILTINS, frozenset(helpers), items).statements(statements, depth)
    return items


class _Block:
    def __init__(self, known, helpers, items):
        self.known, self.helpers, self.items = known, helpers, items

    def add(self, node, tokens, depth, simple=True, end_line=None):
        if tokens:
            self.items.append(Item(tuple(tokens), depth, node.lineno, end_line or node.end_lineno, simple))

    def header(self, node, tokens, depth, *parts):
        """A compound statement's header item: from its keyword to the end of its last expression."""
        ends = [p.end_lineno for p in parts if p is not None and getattr(p, "end_lineno", None)]
        self.add(node, tokens, depth, simple=False, end_line=max([node.lineno, *ends]))

    def statements(self, nodes, depth):
        for node in nodes:
            self.statement(node, depth)

    def clause(self, node, keyword, body, depth):
        """An else/finally clause: one header item on the line above its body, then the body."""
        if body:
            line = max(node.lineno, body[0].lineno - 1)
            self.items.append(Item((keyword,), depth, line, line, False))
            self.statements(body, depth + 1)

    def statement(self, node, depth):
        s = _Statement(self.known, self.helpers)
        match node:
            case ast.Expr(value=ast.Constant(value=str())) | ast.Pass() | ast.Global() | ast.Nonlocal():
                return                                      # docstrings and no-ops
            case ast.If():
                self.header(node, ["if"] + s.expr(node.test), depth, node.test)
                self.statements(node.body, depth + 1)
                orelse = node.orelse
                while len(orelse) == 1 and isinstance(orelse[0], ast.If):   # elif chains stay flat
                    branch = orelse[0]
                    self.header(branch, ["elif"] + _Statement(self.known, self.helpers).expr(branch.test),
                                depth, branch.test)
                    self.statements(branch.body, depth + 1)
                    orelse = branch.orelse
                self.clause(node, "else", orelse, depth)
            case ast.For() | ast.AsyncFor():
                self.header(node, ["for"] + s.expr(node.target) + ["in"] + s.expr(node.iter), depth, node.iter)
                self.statements(node.body, depth + 1)
                self.clause(node, "else", node.orelse, depth)
            case ast.While():
                self.header(node, ["while"] + s.expr(node.test), depth, node.test)
                self.statements(node.body, depth + 1)
                self.clause(node, "else", node.orelse, depth)
            case ast.With() | ast.AsyncWith():
                tokens = ["with"]
                for item in node.items:
                    tokens += s.expr(item.context_expr) + (["as"] + s.expr(item.optional_vars) if item.optional_vars else [])
                self.header(node, tokens, depth, *[i.optional_vars or i.context_expr for i in node.items])
                self.statements(node.body, depth + 1)
            case ast.Try() | ast.TryStar():
                self.header(node, ["try"], depth)
                self.statements(node.body, depth + 1)
                for handler in node.handlers:
                    h = _Statement(self.known, self.helpers)
                    tokens = ["except"] + (h.expr(handler.type) if handler.type else [])
                    self.header(handler, tokens + (["as", h.name(handler.name)] if handler.name else []),
                                depth, handler.type)
                    self.statements(handler.body, depth + 1)
                self.clause(node, "else", node.orelse, depth)
                self.clause(node, "finally", node.finalbody, depth)
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                args = node.args
                count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
                self.header(node, ["def", f"args{count}"], depth, args)
                self.statements(node.body, depth + 1)
            case ast.ClassDef():
                self.header(node, ["class"] + [t for b in node.bases for t in s.expr(b)], depth, *node.bases)
                self.statements(node.body, depth + 1)
            case _:
                self.add(node, s.simple(node), depth)


class _Statement:
    """Tokens of one statement; numbers local names by first appearance."""

    def __init__(self, known, helpers, erase=False):
        self.known, self.helpers, self.erase = known, helpers, erase
        self.numbers = {}

    def name(self, identifier):
        if identifier in self.helpers:
            return HELPER
        if identifier in self.known:
            return identifier
        if self.erase:
            return LOCAL
        if identifier not in self.numbers:
            self.numbers[identifier] = f"{LOCAL}{len(self.numbers) + 1}"
        return self.numbers[identifier]

    def simple(self, node):
        match node:
            case ast.Assign():
                return [t for target in node.targets for t in self.expr(target) + ["="]] + self.expr(node.value)
            case ast.AugAssign():   # a += b is a = a + b
                return self.expr(node.target) + ["="] + self.binop(node.op, [node.target, node.value])
            case ast.AnnAssign():
                return self.expr(node.target) + (["="] + self.expr(node.value) if node.value else [])
            case ast.Expr():
                return self.expr(node.value)
            case ast.Return():
                return ["return"] + (self.expr(node.value) if node.value else [])
            case ast.Raise():
                return ["raise"] + (self.expr(node.exc) if node.exc else []) + (
                    ["from"] + self.expr(node.cause) if node.cause else [])
            case ast.Assert():
                return ["assert"] + self.expr(node.test)
            case ast.Delete():
                return ["del"] + [t for target in node.targets for t in self.expr(target)]
            case ast.Break() | ast.Continue():
                return [type(node).__name__.lower()]
            case ast.Import():
                return ["import"] + sorted(self.name(a.name) for a in node.names)
            case ast.ImportFrom():
                return ["from", "." * node.level + (node.module or ""), "import"] + sorted(
                    self.name(a.name) for a in node.names)
        return self.generic(node)

    # ---------------------------------------------------------------- expressions

    def expr(self, node):
        match node:
            case ast.Name():
                return [self.name(node.id)]
            case ast.Constant():
                return [_constant(node.value)]
            case ast.Attribute():
                return self.expr(node.value) + ["." + (HELPER if node.attr in self.helpers else node.attr)]
            case ast.BinOp():
                parts = format_parts(node)
                if parts is not None:
                    return self.fmt(parts)
                return self.binop(node.op, [node.left, node.right])
            case ast.JoinedStr():
                return self.fmt(joined_parts(node))
            case ast.Call():
                parts = call_parts(node)
                if parts is not None:
                    return self.fmt(parts)
                keywords = sorted(node.keywords, key=lambda k: k.arg or "")
                return (self.expr(node.func) + ["call("] + [t for a in node.args for t in self.expr(a)]
                        + [t for k in keywords for t in [f"{k.arg}="] + self.expr(k.value)] + [")"])
            case ast.UnaryOp():
                if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and _is_number(node.operand.value):
                    return [_constant(-node.operand.value)]
                return [OPERATORS[type(node.op)] + "("] + self.expr(node.operand) + [")"]
            case ast.BoolOp():
                return [OPERATORS[type(node.op)] + "("] + [t for v in node.values for t in self.expr(v)] + [")"]
            case ast.Compare():
                tokens = self.expr(node.left)
                for op, right in zip(node.ops, node.comparators):
                    tokens += [OPERATORS[type(op)]] + self.expr(right)
                return ["cmp("] + tokens + [")"]
            case ast.Subscript():
                return self.expr(node.value) + ["["] + self.expr(node.slice) + ["]"]
            case ast.Tuple() | ast.List() | ast.Set():
                return [type(node).__name__.lower() + "("] + [t for e in node.elts for t in self.expr(e)] + [")"]
            case ast.Starred():
                return ["*"] + self.expr(node.value)
        return self.generic(node)

    def generic(self, node):
        """Any other node: its type, then its fields in order (contexts and comments left out)."""
        tokens = [type(node).__name__ + "("]
        for field, value in ast.iter_fields(node):
            if field in ("ctx", "type_comment", "kind", "annotation", "returns", "decorator_list"):
                continue
            for element in value if isinstance(value, list) else [value]:
                if isinstance(element, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
                    tokens.append(OPERATORS.get(type(element), type(element).__name__))
                elif isinstance(element, ast.arg):
                    tokens.append(self.name(element.arg))
                elif isinstance(element, ast.AST):
                    tokens += self.expr(element)
                elif isinstance(element, str) and field in ("name", "arg", "id"):
                    tokens.append(self.name(element))
                elif element is not None:
                    tokens.append(_constant(element))
        return tokens + [")"]

    def binop(self, op, operands):
        if not isinstance(op, COMMUTATIVE):
            return [OPERATORS[type(op)] + "("] + [t for o in operands for t in self.expr(o)] + [")"]
        flat = [leaf for o in operands for leaf in _flatten(o, type(op))]
        return [OPERATORS[type(op)] + "("] + [t for o in self._sorted(flat) for t in self.expr(o)] + [")"]

    def _sorted(self, operands):
        """Operands in a canonical order: by their erased form, then by the names already numbered
        (so ``v = v + g`` and ``v = g + v`` agree), new names last."""
        def key(operand):
            erased = _Statement(self.known, self.helpers, erase=True).expr(operand)
            known = [self.numbers.get(n.id, UNKNOWN) for n in ast.walk(operand)
                     if isinstance(n, ast.Name) and n.id not in self.known and n.id not in self.helpers]
            return erased, known
        return sorted(operands, key=key)

    def fmt(self, parts):
        tokens = ["fmt("]
        for part in parts:
            if isinstance(part, str):
                if part:
                    tokens.append(_constant(part))
            else:
                tokens += self.expr(part)
        return tokens + [")"]


def _flatten(node, op_type):
    if isinstance(node, ast.BinOp) and isinstance(node.op, op_type) and format_parts(node) is None:
        return _flatten(node.left, op_type) + _flatten(node.right, op_type)
    return [node]


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _constant(value):
    if value is None or isinstance(value, bool) or value is Ellipsis:
        return repr(value)
    if _is_number(value):
        try:
            return "#" + repr(float(value))
        except OverflowError:
            return "#big"
    if isinstance(value, str):
        return "'" + value if WORD.fullmatch(value) else "'STR"
    return "#" + type(value).__name__
