"""What student code can see and touch from inside the sandbox.

The attack code searches, writes, connects and reads /proc, then prints a
report; each test asserts on that report AND on the host. Filesystem reads,
the network and /proc are hidden by bubblewrap only; the direct fallback
keeps the environment scrubbed and, as root, confines writes (see
docs/sandbox.md for what it does not protect).
"""

import base64
import dataclasses
import socket
import sys
import threading
import uuid
from pathlib import Path

import pytest

import nndl_hw4
from nndl_hw4.sandbox.backends import BubblewrapBackend

from .helpers import ROOMY, attack_at_import, attack_in_adam, grade, is_root, write_submission

REPO = Path(__file__).resolve().parents[2]
GRADER = Path(nndl_hw4.__file__).resolve().parent


def hidden(text):
    """`text` written so that the attack's own source does not contain it (it is searched for)."""
    return f"base64.b64decode({base64.b64encode(text.encode())!r}).decode()"


def test_grader_reference_and_hidden_data_are_invisible(bwrap, tmp_path):
    """Search the whole filesystem from inside: nothing of the grader, reference or hidden data.

    bubblewrap's own wall, Landlock switched off: Landlock would stop the walk at
    / already (test_landlock.py proves that wall on its own).
    """
    bwrap = BubblewrapBackend(bwrap.bwrap, landlock=False)
    secret = f"hidden-data-{uuid.uuid4().hex}"
    hidden_dir = tmp_path / "hidden"
    hidden_dir.mkdir()
    (hidden_dir / f"{secret}.txt").write_text(secret)   # stands for held-out data beside the grader
    markers = [secret,
               "STEP_RTOL = ",                           # nndl_hw4/checks/optim.py
               'ROOT = "/nndl-hw4-reference"',           # nndl_hw4/runtime.py
               "def grader_fingerprint"]                 # nndl_hw4/grading/grade.py
    host_paths = [REPO, GRADER, hidden_dir, Path(sys.prefix), Path(nndl_hw4.__file__).parents[1]]
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(f"""
        import base64, importlib.util, json, os, sys
        markers = [{", ".join(hidden(m) for m in markers)}]
        names = ("nndl_hw4", "nndl-hw4", "solutions", "rubric.toml", "public_optim", {hidden(secret)})
        stdlib = os.path.dirname(os.__file__)
        found, files, scanned = [], 0, 0
        for top, dirs, filenames in os.walk("/"):
            if top in ("/proc", "/sys", "/dev"):
                dirs[:] = []
                continue
            for name in dirs + filenames:
                path = os.path.join(top, name)
                if any(name.startswith(n) for n in names):
                    found.append(path)
            for name in filenames:
                path = os.path.join(top, name)
                files += 1
                if top.startswith(("/usr/", stdlib)) or os.path.islink(path):
                    continue  # distribution files and the stdlib: names checked above
                try:
                    if os.path.getsize(path) > (1 << 20):
                        continue  # binaries (libpython.a, numpy's .so): no text marker in there
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    continue
                scanned += 1
                found += [path + " holds a marker" for m in markers if m.encode() in data]
        host = [p for p in {[str(p) for p in host_paths]!r} if os.path.exists(p)]
        importable = [m for m in ("nndl_hw4", "solutions") if importlib.util.find_spec(m) is not None]
        print("HW4-REPORT " + json.dumps({{"found": found, "files": files, "scanned": scanned,
                                          "host": host, "importable": importable}}), flush=True)
    """)), tmp_path / "ws", limits=dataclasses.replace(ROOMY, timeout=60.0))  # walking / takes seconds
    report = graded.report()
    assert graded.failed() == set()
    assert report["files"] > 1000 and report["scanned"] > 10  # the search really ran
    assert report["found"] == []
    assert report["host"] == []
    assert report["importable"] == []


WRITE_TARGETS = ["/", "/etc", "/usr", "/usr/lib", "/root", "/var/tmp", "/dev/shm", "/dev", "/proc",
                 "/sandbox", "/sandbox/io", "/sandbox/harness", "/sandbox/harness/hw4child",
                 "/sandbox/site/numpy", "/sandbox/submission/nndl", "/sandbox/submission/utils", "/tmp"]


def _write_attack(marker, host_targets):
    return f"""
        import json, os, sys
        import nndl
        targets = {WRITE_TARGETS + host_targets!r} + [
            os.getcwd(), os.environ.get("HOME", "/"), os.environ.get("TMPDIR", "/tmp"),
            os.path.dirname(nndl.__file__), os.path.dirname(os.path.dirname(nndl.__file__))]
        written = []
        for folder in targets:
            try:
                with open(os.path.join(folder, {marker!r}), "w") as f:
                    f.write("x")
                written.append(folder)
            except OSError:
                pass
        try:
            with open(__file__, "a") as f:           # its own module, for the next child
                f.write("# changed")
            written.append(__file__)
        except OSError:
            pass
        earlier = [t for t in targets if os.path.exists(os.path.join(t, {marker!r} + "-earlier"))]
        for folder in written:
            try:
                open(os.path.join(folder, {marker!r} + "-earlier"), "w").close()
            except OSError:
                pass
        rw_mounts = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fields = line.split()
                point, options, kind = fields[4], fields[5].split(","), fields[fields.index("-") + 1]
                if "rw" in options and kind not in ("proc", "devpts") and not point.startswith("/dev/"):
                    rw_mounts.append(point)
        print("HW4-REPORT " + json.dumps({{"written": sorted(set(written)), "earlier": earlier,
                                          "rw_mounts": sorted(rw_mounts),
                                          "nonce": os.urandom(8).hex(),
                                          "cwd": os.getcwd(), "home": os.environ.get("HOME"),
                                          "tmpdir": os.environ.get("TMPDIR")}}), flush=True)
    """


def _host_traces(marker, roots):
    """Files named after the marker under `roots` and at the top of every folder it tried."""
    found = [str(p) for root in roots for p in Path(root).rglob(f"{marker}*")]
    for top in ("/", "/etc", "/root", "/tmp", "/var/tmp", "/dev/shm"):
        found += [str(p) for p in Path(top).glob(f"{marker}*")]
    return found


def test_writes_land_only_in_scratch_that_vanishes(backend, tmp_path):
    """Every writable place is tmpfs scratch (or, direct as root, a swept world-writable folder)."""
    if backend.name == "direct" and not is_root():
        pytest.skip("the direct backend as non-root can write wherever the grader can (docs/sandbox.md)")
    marker = f"written-by-student-{uuid.uuid4().hex}"
    host_targets = [str(REPO), str(tmp_path), str(GRADER)]
    # os._exit in adam: each adam check runs in a fresh child, which looks for the earlier ones' files.
    texts = attack_in_adam("import os; os._exit(3)", attack_at_import(_write_attack(marker, host_targets)))
    graded = grade(backend, write_submission(tmp_path / "sub", texts), tmp_path / "ws")
    reports = graded.reports()
    assert len(reports) >= 3 and graded.stats.children >= 3
    first = reports[0]
    if backend.name == "bubblewrap":
        assert first["cwd"] == first["home"] == "/sandbox/submission"
        assert set(first["written"]) == {"/tmp", "/sandbox/submission"}
        # Every read-write mount (device nodes and /proc aside) is one of the two scratch tmpfs.
        assert first["rw_mounts"] == ["/sandbox/submission", "/tmp"]
    else:
        allowed = {"/tmp", "/var/tmp", "/dev/shm", first["tmpdir"]}
        assert set(first["written"]) <= allowed and first["tmpdir"] in first["written"]
    assert all(r["earlier"] == [] for r in reports), "a file written by one child was seen by the next"
    assert _host_traces(marker, [REPO / "grader", REPO / "solutions", tmp_path]) == []
    # Its own modules were read-only: the adam checks crashed, everything else passed.
    assert {c for c in graded.failed()} == {c for c in graded.verdicts if c.startswith("adam/")}


class _Listener:
    """A TCP server on the host's loopback and an abstract unix socket, counting connections."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.tcp.settimeout(0.2)
        self.port = self.tcp.getsockname()[1]
        self.unix_name = f"nndl-hw4-test-{uuid.uuid4().hex}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen()
        self.unix.settimeout(0.2)
        self.accepted, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            for server in (self.tcp, self.unix):
                try:
                    conn, _ = server.accept()
                except (TimeoutError, OSError):
                    continue
                self.accepted += 1
                conn.close()

    def close(self):
        self.stop.set()
        self.thread.join()
        self.tcp.close()
        self.unix.close()


def test_network_is_unreachable(bwrap, tmp_path):
    """bubblewrap's network namespace alone (sockets allowed, no Landlock): test_landlock.py
    proves the socket ban and Landlock's TCP rules on their own."""
    bwrap = BubblewrapBackend(bwrap.bwrap, landlock=False, deny_sockets=False)
    listener = _Listener()
    try:
        graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(f"""
            import json, socket
            outcomes = {{}}
            for name, family, address in [
                    ("host loopback", socket.AF_INET, ("127.0.0.1", {listener.port})),
                    ("public address", socket.AF_INET, ("1.1.1.1", 53)),
                    ("abstract unix socket", socket.AF_UNIX, "\\0{listener.unix_name}")]:
                s = socket.socket(family, socket.SOCK_STREAM)
                s.settimeout(1)
                try:
                    s.connect(address)
                    outcomes[name] = "connected"
                except OSError as e:
                    outcomes[name] = type(e).__name__
                finally:
                    s.close()
            try:
                socket.getaddrinfo("example.com", 80)
                outcomes["dns"] = "resolved"
            except OSError as e:
                outcomes["dns"] = type(e).__name__
            print("HW4-REPORT " + json.dumps(outcomes), flush=True)
        """)), tmp_path / "ws")
    finally:
        listener.close()
    report = graded.report()
    assert graded.failed() == set()
    assert set(report) == {"host loopback", "public address", "abstract unix socket", "dns"}
    assert "connected" not in report.values() and "resolved" not in report.values(), report
    assert listener.accepted == 0


def test_host_environment_does_not_leak(backend, tmp_path, monkeypatch):
    secret = f"fake-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("NNDL_HW4_FAKE_SECRET", secret)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import(f"""
        import base64, json, os
        secret = {hidden(secret)}
        leaks = [k for k, v in os.environ.items() if secret in v]
        readable = []
        try:
            pids = [p for p in os.listdir("/proc") if p.isdigit()]
        except OSError:   # Landlock: /proc is not listable
            pids = ["1", str(os.getppid()), str(os.getpid())]
        for pid in pids:
            try:
                with open(f"/proc/{{pid}}/environ", "rb") as f:
                    data = f.read()
            except OSError:
                continue
            readable.append(int(pid))
            if secret.encode() in data:
                leaks.append("/proc/" + pid + "/environ")
        print("HW4-REPORT " + json.dumps({{"keys": sorted(os.environ), "leaks": leaks,
                                          "readable": readable, "me": os.getpid()}}), flush=True)
    """)), tmp_path / "ws")
    report = graded.report()
    assert graded.failed() == set()
    assert report["leaks"] == []
    assert set(report["keys"]) <= {"PATH", "HOME", "LANG", "TMPDIR", "PWD", "OPENBLAS_NUM_THREADS",
                                   "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND", "MPLCONFIGDIR"}
    if is_root():
        # At most its own process: not the grader's, nor bubblewrap's (whose environment is empty anyway).
        assert set(report["readable"]) <= {report["me"]}


def test_proc_shows_only_the_sandbox(bwrap, tmp_path):
    """bubblewrap's pid namespace alone (Landlock would not even let it list /proc)."""
    bwrap = BubblewrapBackend(bwrap.bwrap, landlock=False)
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("""
        import json, os
        seen = {}
        for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    seen[pid] = f.read().replace(b"\\0", b" ").decode(errors="replace")
            except OSError as e:
                seen[pid] = type(e).__name__
        print("HW4-REPORT " + json.dumps({"processes": seen, "me": os.getpid()}), flush=True)
    """)), tmp_path / "ws")
    report = graded.report()
    assert graded.failed() == set()
    processes = report["processes"]
    # pid 1 is bubblewrap's init, the harness is the only other process.
    assert set(processes) == {"1", str(report["me"])}, processes
    assert "harness.py" in processes[str(report["me"])]
    # bubblewrap got its options through a memfd: its command line names no host folder.
    assert processes["1"].split()[1:3] == ["--args", processes["1"].split()[2]], processes["1"]
    assert str(tmp_path) not in " ".join(processes.values())


def test_sandbox_uid_is_not_root_and_cannot_regain_it(backend, tmp_path):
    if not is_root():
        pytest.skip("as non-root there is no privilege to drop")
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import("""
        import json, os
        with open("/proc/self/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        try:
            os.setuid(0)
            regained = True
        except PermissionError:
            regained = False
        print("HW4-REPORT " + json.dumps({"uids": os.getresuid(), "groups": os.getgroups(),
                                          "regained": regained, "nnp": status["NoNewPrivs"].strip(),
                                          "eff": status["CapEff"].strip()}), flush=True)
    """)), tmp_path / "ws")
    report = graded.report()
    assert graded.failed() == set()
    assert 0 not in report["uids"] and len(set(report["uids"])) == 1 and report["groups"] == []
    assert report["regained"] is False and report["nnp"] == "1"
    # bubblewrap: no capability at all; direct: only CAP_DAC_READ_SEARCH (to read a pyenv under /root).
    assert int(report["eff"], 16) == (0 if backend.name == "bubblewrap" else 1 << 2)


def test_reference_text_in_the_submission_is_only_the_students_own(bwrap, tmp_path):
    """The sandbox mounts exactly the student's files: a missing module is not filled from the reference."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("""
        import json, os
        import nndl
        print("HW4-REPORT " + json.dumps({"nndl": sorted(os.listdir(os.path.dirname(nndl.__file__))),
                                          "top": sorted(os.listdir("/sandbox/submission"))}), flush=True)
    """), drop=["fc_net"]), tmp_path / "ws")
    report = graded.report()
    assert report["nndl"] == ["__init__.py", "layer_utils.py", "layers.py", "optim.py"]
    assert report["top"] == ["nndl", "utils"]


def test_no_new_namespaces_or_mounts_but_threads_and_subprocesses_work(backend, tmp_path):
    """A fresh Python could otherwise become root in a new user namespace and mount an unlimited tmpfs."""
    if backend.name == "direct" and not is_root():
        pytest.skip("direct backend as non-root: the process cap counts the grading user's own processes, "
                    "so there is no room to start a subprocess")
    probe = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
def call(result):
    return "ok" if result == 0 else os.strerror(ctypes.get_errno())
out = {"unshare-user": call(libc.unshare(0x10000000)),
       "unshare-mount": call(libc.unshare(0x00020000)),
       "mount-tmpfs": call(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))}
"""
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import(f"""
        import json, os, subprocess, sys, threading
        scope = {{}}
        exec({probe!r}, scope)                       # in the harness process itself
        fresh = subprocess.run([sys.executable, "-I", "-S", "-c", {probe!r} + "print(json.dumps(out))"],
                               capture_output=True, text=True, check=True)   # a fresh, dumpable process
        box = []
        thread = threading.Thread(target=lambda: box.append(sum(range(10))))
        thread.start()
        thread.join()
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        forked = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        print("HW4-REPORT " + json.dumps({{"in-process": scope["out"], "exec": json.loads(fresh.stdout),
                                          "thread": box, "fork": forked}}), flush=True)
    """)), tmp_path / "ws")
    report = graded.report()
    assert graded.failed() == set()
    denied = {"unshare-user": "Operation not permitted", "unshare-mount": "Operation not permitted",
              "mount-tmpfs": "Operation not permitted"}
    assert report["in-process"] == denied and report["exec"] == denied
    assert report["thread"] == [45] and report["fork"] == 7
