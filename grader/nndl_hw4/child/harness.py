"""The sandbox entry point: run the probes of one check group on student code.

Invoked as ``python -I -S harness.py PLAN.json`` inside the sandbox.
In order, before any student code runs, it: applies the resource limits of
the plan, drops root privileges to the plan's uid (so the process cap is
enforced), and fixes sys.path to the submission, this package and numpy.
Then for each check of the plan it imports the student modules it needs
(once), calls the probe, and writes the raw outputs with ``wire.dump``.

Everything goes to the grader as frames on the pipe fd named in the plan
(see ``stream``): ``import``/``imported`` around each student import and
``start``/``result`` around each check, so the grader can tell which check or
import was in flight if this process dies or hangs. The process needs no
writable disk. Nothing here decides a score.
"""

import os
import sys
import time
import traceback


def _apply_limits(limits):
    import resource

    def cap(which, value):
        if value is not None:
            resource.setrlimit(which, (int(value), int(value)))

    cap(resource.RLIMIT_CORE, 0)
    cap(resource.RLIMIT_AS, limits.get("memory_bytes"))
    cap(resource.RLIMIT_FSIZE, limits.get("file_bytes"))
    cap(resource.RLIMIT_CPU, limits.get("cpu_seconds"))
    cap(resource.RLIMIT_NOFILE, limits.get("open_files"))


def _drop_privileges(uid, nproc):
    import resource

    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    if nproc is not None and os.getuid() != 0:
        # Counted per real uid: only meaningful once we are not root.
        resource.setrlimit(resource.RLIMIT_NPROC, (int(nproc), int(nproc)))


def _student_frame(tb, submission):
    """'nndl/optim.py:57 in adam' for the innermost frame inside the submission."""
    where = None
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(submission + os.sep):
            rel = os.path.relpath(frame.filename, submission)
            where = "%s:%d in %s" % (rel, frame.lineno, frame.name)
    return where


def _describe(exc, submission):
    message = str(exc)
    if len(message) > 500:
        message = message[:500] + "..."
    return {"type": type(exc).__name__, "message": message,
            "where": _student_frame(exc.__traceback__, submission)}


def main(plan_path):
    import json

    with open(plan_path) as f:
        plan = json.load(f)
    _apply_limits(plan.get("limits", {}))
    _drop_privileges(plan.get("uid"), plan.get("limits", {}).get("processes"))

    submission = plan["submission"]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [submission, here] + list(plan.get("site", []))
    os.chdir(submission)
    sys.dont_write_bytecode = True

    import numpy as np  # noqa: F401  (imported before student code, on purpose)

    from hw4child import stream, wire
    from hw4child.probes import PROBES

    fd = plan["result_fd"]

    def log(kind, **fields):
        stream.write_frame(fd, dict(fields, kind=kind))

    imported, import_errors = {}, {}

    def module(name):
        if name in imported:
            return imported[name]
        if name in import_errors:
            raise _ImportFailed(name, import_errors[name])
        log("import", module=name)
        try:
            mod = __import__(name, fromlist=["_"])
        except BaseException as exc:  # SystemExit, KeyboardInterrupt included
            import_errors[name] = _describe(exc, submission)
            log("import-failed", module=name)
            raise _ImportFailed(name, import_errors[name])
        imported[name] = mod
        log("imported", module=name)
        return mod

    for check in plan["checks"]:
        index = check["index"]
        log("start", index=index)
        started = time.perf_counter()
        result = {"id": check["id"]}
        try:
            mods = _Modules({name.rsplit(".", 1)[-1]: module(name) for name in check["modules"]})
            inputs = wire.load(os.path.join(plan["io"], check["inputs"]))
            result["outputs"] = PROBES[check["probe"]](mods, inputs)
            result["status"] = "ok"
        except _ImportFailed as failed:
            result["status"] = "import-error"
            result["module"] = failed.name
            result["error"] = failed.info
        except BaseException as exc:  # a student's sys.exit() must not end the run
            result["status"] = "error"
            result["error"] = _describe(exc, submission)
        result["seconds"] = time.perf_counter() - started
        try:
            doc, npz = wire.encode(result)
        except BaseException as exc:
            doc, npz = wire.encode({"id": check["id"], "status": "error", "seconds": result["seconds"],
                                    "error": {"type": "OutputError", "where": None,
                                              "message": "could not record the outputs: %s" % exc}})
        stream.write_frame(fd, {"kind": "result", "index": index}, doc, npz)
    return 0


class _ImportFailed(Exception):
    def __init__(self, name, info):
        super().__init__(name)
        self.name, self.info = name, info


class _Modules:
    """Attribute access to the modules a probe asked for (optim, layers, ...)."""

    def __init__(self, mapping):
        self.__dict__.update(mapping)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
