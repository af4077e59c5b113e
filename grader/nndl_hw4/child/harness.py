"""The sandbox entry point: run the probes of the plan's checks on student code.

Invoked as ``python -I -S harness.py PLAN.json`` inside the sandbox.
In order, before any student code runs, it: applies the resource limits of
the plan, switches from root to the plan's throw-away uid for good (so the
process cap applies; it refuses to go on if any privilege is left), fixes
sys.path to the submission, this package and numpy, installs a seccomp
filter (no new namespaces, no mounts, no sockets: ``seccomp``), restricts
itself with Landlock to the files the plan names (``landlock``) and reads
every check's inputs. Then for each check it imports the student modules it needs
(once), calls the probe and writes the raw outputs (``wire``).

Everything goes to the grader as frames on the pipe fd named in the plan
(see ``stream``): ``import``/``imported`` around each student import and
``start``/``result`` around each check, so the grader can tell which check or
import was in flight if this process dies or hangs. A process forked by
student code that comes back here exits instead of writing frames. The
process needs no writable disk. Nothing here decides a score: student code
can rewrite all of this in its own process, and gains nothing by it.
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


PR_SET_PDEATHSIG, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS = 1, 8, 38
CAP_DAC_READ_SEARCH = 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def prctl(option, value):
        if libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            raise OSError(ctypes.get_errno(), "prctl(%d) failed" % option)

    def capset(mask):
        class Header(ctypes.Structure):
            _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

        class Data(ctypes.Structure):
            _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                        ("inheritable", ctypes.c_uint32)]

        data = (Data * 2)()
        data[0].effective = data[0].permitted = mask
        if libc.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), data) != 0:
            raise OSError(ctypes.get_errno(), "capset failed")

    return prctl, capset


def _capabilities():
    """(effective, permitted) capability masks of this process."""
    with open("/proc/self/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["CapEff"], 16), int(fields["CapPrm"], 16)


def _drop_privileges(uid, nproc, keep_read_access=False):
    """Become `uid` for good (if root), then cap the processes of that uid.

    keep_read_access (the direct backend as root) keeps CAP_DAC_READ_SEARCH
    only, because the interpreter may live in a folder the new uid cannot read
    (pyenv under /root); bubblewrap needs no capability at all.
    """
    import resource

    if uid is not None and os.getuid() == 0:
        prctl = capset = None
        if keep_read_access:
            prctl, capset = _libc()
            prctl(PR_SET_KEEPCAPS, 1)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        keep = 0
        if keep_read_access:
            keep = 1 << CAP_DAC_READ_SEARCH
            capset(keep)
            prctl(PR_SET_KEEPCAPS, 0)
            prctl(PR_SET_NO_NEW_PRIVS, 1)   # no setuid binary can give root back
            prctl(PR_SET_PDEATHSIG, 9)      # die with the grader (bubblewrap does this itself)
        # Refuse to run student code unless the drop really happened.
        if os.getresuid() != (uid, uid, uid) or os.getresgid() != (uid, uid, uid) or os.getgroups():
            raise RuntimeError("could not switch to uid %d" % uid)
        if _capabilities() != (keep, keep):
            raise RuntimeError("capabilities left after the switch: %x/%x" % _capabilities())
        try:
            os.setuid(0)
        except PermissionError:
            pass
        else:
            raise RuntimeError("root could be regained")
    if nproc is not None and os.getuid() != 0:
        # Counted per real uid: only meaningful once we are not root.
        resource.setrlimit(resource.RLIMIT_NPROC, (int(nproc), int(nproc)))


def _landlock(walls):
    """Restrict this process (one thread so far: numpy is not imported yet) to the plan's rules.

    The grader announced ABI walls["abi"] in its header: refuse to run student
    code with less than that.
    """
    from hw4child import landlock

    version = landlock.abi()
    if version < walls["abi"]:
        raise RuntimeError("Landlock ABI %d here, the grader expected %d" % (version, walls["abi"]))
    landlock.restrict(walls["rules"], walls["abi"])


def _seed_font_cache(folder):
    """Copy the grader's prebuilt matplotlib font cache into this child's MPLCONFIGDIR (see
    sandbox/fonts.py); if that fails, matplotlib builds its own: slower, as correct."""
    target = os.environ.get("MPLCONFIGDIR")
    if not folder or not target:
        return
    import shutil

    try:
        os.makedirs(target, exist_ok=True)
        for name in os.listdir(folder):
            if name.startswith("fontlist-") and name.endswith(".json"):
                shutil.copyfile(os.path.join(folder, name), os.path.join(target, name))
    except OSError:
        pass


def _flush_console():
    for console in (sys.stdout, sys.stderr):
        try:
            console.flush()
        except BaseException:  # closed or replaced by student code
            pass


def main(plan_path):
    import json

    with open(plan_path) as f:
        plan = json.load(f)
    _apply_limits(plan.get("limits", {}))
    _drop_privileges(plan.get("uid"), plan.get("limits", {}).get("processes"),
                     keep_read_access=bool(plan.get("keep_read_access")))

    submission = plan["submission"]
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [submission, here] + list(plan.get("site", []))
    os.chdir(submission)
    sys.dont_write_bytecode = True

    from hw4child import seccomp
    # No new namespaces, mounts or sockets for student code (see seccomp.py).
    seccomp.install(deny_sockets=plan.get("deny_sockets", True))
    walls = plan.get("landlock")
    if walls:
        _landlock(walls)
    _seed_font_cache(plan.get("font_cache"))

    import numpy as np  # noqa: F401  (imported before student code, on purpose)

    from hw4child import stream, wire
    from hw4child.execute import ImportFailed, describe, run_check

    fd = plan["result_fd"]
    owner = os.getpid()
    with open(os.path.join(plan["io"], plan["inputs"]), "rb") as f:
        inputs_frames, _ = stream.parse(f.read())

    def write(header, doc=b"", data=b""):
        # A process the student's code forked comes back through here: it must
        # not interleave its own frames with ours, so it ends quietly instead.
        if os.getpid() != owner:
            os._exit(0)
        if header.get("kind") == "result":
            _flush_console()  # the grader may stop this process right after the last result
        stream.write_frame(fd, header, doc, data)

    def log(kind, **fields):
        write(dict(fields, kind=kind))

    imported, import_errors = {}, {}
    trusted = plan.get("trusted")   # network checks: trusted layers in place of the student's (trusted.py)
    prepared = [trusted is None]

    def prepare_layers():
        """Import the student's layer modules with the trusted functions in place (a missing or
        broken one, or one to skip, is replaced by the trusted module), before anything imports them."""
        from hw4child.trusted import load_package, substitute

        prepared[0] = True

        good = load_package("_hw4_trusted", os.path.join(plan["io"], trusted["dir"]), trusted["modules"])
        package = trusted["package"]
        for name in trusted["modules"]:
            full, mod = package + "." + name, None
            if name not in trusted.get("skip", ()):
                try:
                    mod = module(full)
                except ImportFailed:
                    mod = None
            if mod is None:
                mod = good[name]
                sys.modules[full] = mod
                setattr(__import__(package), name, mod)
                import_errors.pop(full, None)
                imported[full] = mod
            else:
                substitute(mod, good[name])

    def module(name):
        if not prepared[0]:
            prepare_layers()
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
            frame = inputs_frames[check["inputs"]]
            inputs = wire.decode(frame.doc, frame.data)
        except BaseException as exc:
            inputs = None
            result = {"status": "error", "seconds": 0.0, "error": describe(exc)}
        if inputs is not None:
            result = run_check(check["probe"], check["modules"], module, inputs, submission)
        result["id"] = check["id"]
        try:
            doc, data = wire.encode(result)
        except BaseException as exc:
            doc, data = wire.encode({"id": check["id"], "status": "error", "seconds": result["seconds"],
                                    "error": {"type": "OutputError", "where": None,
                                              "message": "could not record the outputs: %s" % exc}})
        write({"kind": "result", "index": index}, doc, data)
    return 0


def self_test_drop(uid):
    """Exit status 0 if this process (root) can become `uid` as the direct backend needs."""
    _drop_privileges(uid, None, keep_read_access=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "--self-test-drop":
        sys.exit(self_test_drop(int(sys.argv[2])))
    status = main(sys.argv[1])
    # Skip interpreter shutdown: atexit handlers and non-daemon threads of student code
    # must not keep the child alive (or write anything) after the last result.
    _flush_console()
    os._exit(status)
