"""The result stream from sandbox to grader: framed messages on one pipe.

A frame is one JSON header line followed by two payloads whose lengths the
header gives: ``{"kind": ..., "doc": n1, "data": n2, ...}\\n`` + n1 bytes + n2
bytes (a ``wire`` document and its array bytes). Kinds on the result pipe:
``import``/``imported``/``import-failed`` (module), ``start``/``result``
(check index). The grader parses them with ``next_frame`` as they arrive
and treats anything malformed as garbage from that point on. The checks'
inputs travel the other way as a file of ``inputs`` frames.
"""

import json
import os

MAX_HEADER = 4096


def frame_bytes(header, doc=b"", data=b""):
    return json.dumps(dict(header, doc=len(doc), data=len(data))).encode() + b"\n" + doc + data


def write_frame(fd, header, doc=b"", data=b""):
    view = memoryview(frame_bytes(header, doc, data))
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Frame:
    __slots__ = ("header", "doc", "data", "size")

    def __init__(self, header, doc, data, size):
        self.header, self.doc, self.data = header, doc, data
        self.size = size  # the frame's length in bytes, header line included

    @property
    def kind(self):
        return self.header.get("kind")


def next_frame(data, pos=0):
    """(frame, end) for the frame starting at data[pos]; (None, pos) if it is incomplete.

    Raises ValueError if the bytes at pos cannot be a frame. Nothing else: the
    bytes may come from hostile code, and a parse error must never become a
    crash of the grader (deep JSON nesting, 1e999 lengths, non-dict headers...).
    """
    end = data.find(b"\n", pos, pos + MAX_HEADER)
    if end < 0:
        if len(data) - pos >= MAX_HEADER:
            raise ValueError("oversized frame header")
        return None, pos
    try:
        header = json.loads(bytes(data[pos:end]))
    except (ValueError, RecursionError) as exc:
        raise ValueError("malformed frame header") from exc
    if not isinstance(header, dict) or not isinstance(header.get("kind"), str):
        raise ValueError("malformed frame header")
    n_doc, n_data = header.get("doc"), header.get("data")
    if type(n_doc) is not int or type(n_data) is not int or n_doc < 0 or n_data < 0:
        raise ValueError("malformed frame header")
    body = end + 1
    stop = body + n_doc + n_data
    if stop > len(data):
        return None, pos
    frame = Frame(header, bytes(data[body:body + n_doc]), bytes(data[body + n_doc:stop]), stop - pos)
    return frame, stop


def parse(data):
    """(frames, error): every complete frame in data, and why parsing stopped early (or None)."""
    frames, pos = [], 0
    while pos < len(data):
        try:
            frame, pos_after = next_frame(data, pos)
        except ValueError as exc:
            return frames, str(exc)
        if frame is None:
            return frames, "truncated frame"
        frames.append(frame)
        pos = pos_after
    return frames, None
