"""Turn a reference module into a student stub.

Every region body that is not shipped solved becomes ONE line at the body's
indentation, ``raise NotImplementedError("adam: not implemented yet")``
(``... (YOUR CODE HERE region 2 of 2)`` when the function has several regions).
Banners, docstrings and every line outside the region bodies are kept
byte for byte, so a stub can be parsed again with ``find_regions``.
"""

from .regions import find_regions, split_lines


def stub_message(region):
    """The NotImplementedError message of a stubbed region; it starts with the qualname."""
    message = f"{region.qualname}: not implemented yet"
    if region.count > 1:
        message += f" (YOUR CODE HERE region {region.index} of {region.count})"
    return message


def stub_line(region, newline="\n"):
    """The one line that replaces the body of ``region``."""
    return f'{region.indent}raise NotImplementedError("{stub_message(region)}"){newline}'


def make_stub(source, path="<string>", solved=frozenset(), regions=None):
    """Return ``source`` with every region body replaced, except regions whose key is in ``solved``.

    ``solved`` holds ``(qualname, index)`` keys (see ``Region.key``); ``regions``
    may pass ``find_regions(source)`` when the caller has it already.
    """

    def body(region, lines):
        if region.key in solved:
            return lines[region.body_start : region.body_end]
        return [stub_line(region, _newline(lines[region.body_start - 1]))]

    return _rewrite(source, path, body, regions)


def replace_bodies(source, bodies, path="<string>"):
    """Put ``bodies[region.key]`` (a list of lines) in place of each region body of ``source``.

    Regions missing from ``bodies`` keep their body. Putting the reference
    bodies back into a stub must give the reference.
    """
    return _rewrite(source, path, lambda r, lines: bodies.get(r.key, lines[r.body_start : r.body_end]))


def region_bodies(source, path="<string>"):
    """``{region.key: body lines}`` for every region of ``source``."""
    lines = split_lines(source)
    return {r.key: lines[r.body_start : r.body_end] for r in find_regions(source, path)}


def _rewrite(source, path, body, regions=None):
    lines = split_lines(source)
    out = []
    done = 0
    for region in find_regions(source, path) if regions is None else regions:
        out.extend(lines[done : region.body_start])
        out.extend(body(region, lines))
        done = region.body_end
    out.extend(lines[done:])
    return "".join(out)


def _newline(line):
    return "\r\n" if line.endswith("\r\n") else "\n"
