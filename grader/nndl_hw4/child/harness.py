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
    from hw4child.execute import ImportFailed, describe, run_check

    fd = plan["result_fd"]

    def log(kind, **fields):
        stream.write_frame(fd, dict(fields, kind=kind))

    imported, import_errors = {}, {}

    def module(name):
        if name in imported:
            return imported[name]
        if name in import_errors:
            raise ImportFailed(name, import_errors[name])
        log("import", module=name)
        try:
            mod = __import__(name, fromlist=["_"])
        except BaseException as exc:  # SystemExit, KeyboardInterrupt included
            import_errors[name] = describe(exc, submission)
            log("import-failed", module=name)
            raise ImportFailed(name, import_errors[name])
        imported[name] = mod
        log("imported", module=name)
        return mod

    for check in plan["checks"]:
        index = check["index"]
        log("start", index=index)
        try:
            inputs = wire.load(os.path.join(plan["io"], check["inputs"]))
        except BaseException as exc:
            inputs = None
            result = {"status": "error", "seconds": 0.0, "error": describe(exc)}
        if inputs is not None:
            result = run_check(check["probe"], check["modules"], module, inputs, submission)
        result["id"] = check["id"]
        try:
            doc, npz = wire.encode(result)
        except BaseException as exc:
            doc, npz = wire.encode({"id": check["id"], "status": "error", "seconds": result["seconds"],
                                    "error": {"type": "OutputError", "where": None,
                                              "message": "could not record the outputs: %s" % exc}})
        stream.write_frame(fd, {"kind": "result", "index": index}, doc, npz)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
