"""The grading record on disk: atomic writes, tolerant reads.

``grading.json`` holds everything about one graded submission (see
grading/grade.py for its fields). Files are written to a temporary name and
renamed, so an interrupted run never leaves half a report behind.
"""

import json
import os
import tempfile

GRADING_JSON = "grading.json"


def write_text(path, text):
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def load_record(folder):
    """The record in `folder`, or None when there is none or it cannot be read."""
    try:
        record = json.loads((folder / GRADING_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None
