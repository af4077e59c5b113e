"""Running one check's probe on student modules and capturing what happened.

Shared by the sandbox harness and by in-process grading (the otter bridge and
the kit's own tests), so both report errors the same way. An exception of any
kind (SystemExit and KeyboardInterrupt included) becomes a result, never an
exit.
"""

import os
import time
import traceback

from .probes import PROBES

MAX_MESSAGE = 500


class Modules:
    """Attribute access to the modules a probe asked for (optim, layers, ...), and ``random``: the
    np.random that code draws from (a probe seeds it; in the grader, a private one)."""

    def __init__(self, mapping, random):
        self.__dict__.update(mapping)
        self.random = random


class ImportFailed(Exception):
    def __init__(self, name, info):
        super().__init__(name)
        self.name, self.info = name, info


def _student_frame(tb, root):
    """'nndl/optim.py:57 in adam' for the innermost frame under `root` (the submission)."""
    where = None
    if root is None:
        return None
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(root + os.sep):
            rel = os.path.relpath(frame.filename, root)
            where = "%s:%d in %s" % (rel, frame.lineno, frame.name)
    return where


def describe(exc, root=None):
    """{'type', 'message', 'where'} for an exception raised by student code."""
    try:
        message = str(exc)
    except BaseException:  # a hostile __str__
        message = "<unprintable message>"
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + "..."
    return {"type": type(exc).__name__, "message": message,
            "where": _student_frame(exc.__traceback__, root)}


def run_check(probe, module_names, module, inputs, root=None, random=None):
    """Result dict of one check: status ok | error | import-error, outputs or error, seconds.

    `module(name)` returns an imported student module or raises ImportFailed; `random` is the
    np.random the modules draw from (default: numpy's global one, as in the sandbox).
    """
    started = time.perf_counter()
    result = {}
    try:
        if random is None:
            import numpy
            random = numpy.random
        mods = Modules({name.rsplit(".", 1)[-1]: module(name) for name in module_names}, random)
        result["outputs"] = PROBES[probe](mods, inputs)
        result["status"] = "ok"
    except ImportFailed as failed:
        result.update(status="import-error", module=failed.name, error=failed.info)
    except BaseException as exc:  # a student's sys.exit() must not end the run
        result.update(status="error", error=describe(exc, root))
    result["seconds"] = time.perf_counter() - started
    return result
