"""String formatting, read as one form: f-strings, ``%``, ``.format`` and ``+ str()``.

``f'W{i}'``, ``'W%d' % i``, ``'W{}'.format(i)`` and ``'W' + str(i)`` all give the
parts ``['W', <i>]``: literal text (format specifications dropped) and the
expressions put in it, in order. normalise.py writes them as one ``fmt(...)``.
"""

import ast
import re
import string

PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _merge(parts):
    """Adjacent literal parts joined: ['W', '', x] and ['W', x] read the same."""
    out = []
    for part in parts:
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        else:
            out.append(part)
    return out


def _percent_parts(text, values):
    pieces = PERCENT_SPEC.split(text)
    if len(pieces) - 1 != len(values):
        return None
    parts = [pieces[0]]
    for value, piece in zip(values, pieces[1:]):
        parts += [value, piece]
    return _merge(parts)


def format_parts(node):
    """Parts of ``'fmt' % args`` or of a ``+`` chain holding a string literal; None otherwise."""
    if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
        values = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
        return _percent_parts(node.left.value, values)
    if isinstance(node.op, ast.Add):
        leaves = _flatten_add(node)
        if any(isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) for leaf in leaves):
            parts = []
            for leaf in leaves:
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    parts.append(leaf.value)
                elif (isinstance(leaf, ast.Call) and isinstance(leaf.func, ast.Name) and leaf.func.id == "str"
                      and len(leaf.args) == 1 and not leaf.keywords):
                    parts.append(leaf.args[0])
                else:
                    parts.append(leaf)
            return _merge(parts)
    return None


def _flatten_add(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _flatten_add(node.left) + _flatten_add(node.right)
    return [node]


def joined_parts(node):
    parts = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value))
        elif isinstance(value, ast.FormattedValue):
            parts.append(value.value)
    return _merge(parts)


def call_parts(node):
    """Parts of ``'text {}'.format(args)``; None for any other call."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)):
        return None
    values = list(node.args) + [k.value for k in node.keywords]
    parts, index = [], 0
    try:
        fields = list(string.Formatter().parse(func.value.value))
    except ValueError:
        return None
    for literal, field, _, _ in fields:
        parts.append(literal)
        if field is not None:
            if field.isdigit() and int(field) < len(node.args):
                parts.append(node.args[int(field)])
            elif field and not field.isdigit():
                named = [k.value for k in node.keywords if k.arg == field]
                parts.append(named[0] if named else ast.Constant(field))
            elif index < len(values):
                parts.append(values[index])
                index += 1
    return _merge(parts)
