"""The result stream from sandbox to grader: framed messages on one pipe.

A frame is one JSON header line followed by two payloads whose lengths the
header gives: ``{"kind": ..., "doc": n1, "npz": n2, ...}\\n`` + n1 bytes + n2
bytes. Kinds: ``import``/``imported`` (module), ``start``/``result`` (check
index). The child writes them; the grader parses them with ``parse`` and
treats anything malformed as garbage from that point on.
"""

import json
import os

MAX_HEADER = 4096


def write_frame(fd, header, doc=b"", npz=b""):
    header = dict(header, doc=len(doc), npz=len(npz))
    data = json.dumps(header).encode() + b"\n" + doc + npz
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Frame:
    __slots__ = ("header", "doc", "npz", "size")

    def __init__(self, header, doc, npz, size):
        self.header, self.doc, self.npz = header, doc, npz
        self.size = size  # the frame's length in bytes, header line included

    @property
    def kind(self):
        return self.header.get("kind")


def next_frame(data, pos=0):
    """(frame, end) for the frame starting at data[pos]; (None, pos) if it is incomplete.

    Raises ValueError if the bytes at pos cannot be a frame.
    """
    end = data.find(b"\n", pos, pos + MAX_HEADER)
    if end < 0:
        if len(data) - pos >= MAX_HEADER:
            raise ValueError("oversized frame header")
        return None, pos
    try:
        header = json.loads(bytes(data[pos:end]))
        n_doc, n_npz = int(header["doc"]), int(header["npz"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("malformed frame header") from exc
    if not isinstance(header, dict) or n_doc < 0 or n_npz < 0:
        raise ValueError("malformed frame header")
    body = end + 1
    stop = body + n_doc + n_npz
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
