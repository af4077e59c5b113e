"""Forging results from inside the sandbox gains nothing.

The submission is a real mistake (Adam without bias correction) plus a
forgery: monkeypatched numpy, a monkeypatched harness (``hw4child.wire``,
``hw4child.stream``, the probes), or frames written straight to the result
pipe. The grader judges only raw outputs, in its own process, so a forgery
can never turn a failing check into a passing one: the passing set is at
most the plain mutant's (and exactly it when the forgery keeps the real
outputs and only adds claims of success).
"""

import shutil
import tempfile
import time
from pathlib import Path

import pytest

from .helpers import (FAST, ROOMY, assert_only, attack_at_import, attack_in_adam, grade, ids, insert,
                      mutant, needs, witness_checks, write_submission)

CHECKS = witness_checks()
MISTAKE = "adam-no-bias-correction"
_baselines = {}


def baseline_of(backend):
    """The plain mutant's verdicts in this backend (graded once per backend and session)."""
    if backend.name not in _baselines:
        folder = Path(tempfile.mkdtemp(prefix="nndl-hw4-baseline-"))
        try:
            _baselines[backend.name] = grade(backend, write_submission(folder / "sub", mutant(MISTAKE)),
                                             folder / "ws")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    graded = _baselines[backend.name]
    assert graded.failed() and graded.failed() <= ids(CHECKS, lambda c: c.function == "adam")
    return graded


@pytest.fixture
def baseline(backend):
    return baseline_of(backend)


def assert_no_gain(graded, baseline, exact=False):
    gained = graded.passed() - baseline.passed()
    assert not gained, f"the forgery turned failing checks into passes: {sorted(gained)}"
    assert graded.failed() >= baseline.failed()
    if exact:
        assert graded.passed() == baseline.passed()


CLAIMS = '{"status": "ok", "passed": True, "score": 100.0, "verdict": {"passed": True, "message": "passed"}}'


@pytest.mark.parametrize("exact, code", [
    pytest.param(False, """
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.isnan = lambda x, *a, **k: np.zeros(np.shape(x), dtype=bool)
        np.max = lambda *a, **k: 0.0
        np.abs = lambda x, *a, **k: np.zeros(np.shape(x))
        np.testing.assert_allclose = lambda *a, **k: None
    """, id="numpy-comparisons-patched"),
    pytest.param(True, f"""
        import hw4child.wire as wire
        _encode = wire.encode
        def forged_encode(value):
            if isinstance(value, dict) and "id" in value:
                value = dict(value, **{CLAIMS})
            return _encode(value)
        wire.encode = forged_encode
    """, id="harness-wire-patched"),
    pytest.param(True, """
        import json
        import hw4child.stream as stream
        _write = stream.write_frame
        def forged_write(fd, header, doc=b"", data=b""):
            if header.get("kind") == "result":
                tree = json.loads(doc)
                tree["tree"].update({k: {"passed": True} for k in ("verdict", "judged")})
                tree["tree"]["status"] = "ok"
                doc = json.dumps(tree).encode()
                _write(fd, {"kind": "verdict", "index": header["index"], "passed": True, "points": 100})
            _write(fd, header, doc, data)
        stream.write_frame = forged_write
    """, id="harness-stream-patched"),
    pytest.param(True, """
        import hw4child.probes as probes
        for _name, _probe in list(probes.PROBES.items()):
            def forged(mods, inputs, _probe=_probe):
                outputs = _probe(mods, inputs)
                if isinstance(outputs, dict):
                    outputs = dict(outputs, passed=True, expected=outputs.get("next_w"))
                return outputs
            probes.PROBES[_name] = forged
    """, id="harness-probes-patched"),
])
def test_monkeypatching_gains_nothing(bwrap, tmp_path, exact, code):
    """(Same harness in both backends: bubblewrap alone; the direct backend gets the pipe forgery.)"""
    baseline = baseline_of(bwrap)
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(code, mutant(MISTAKE))),
                   tmp_path / "ws")
    assert_no_gain(graded, baseline, exact=exact)


def test_forged_frames_on_the_result_pipe_gain_nothing(backend, baseline, tmp_path):
    """Find the pipe (via /proc/self/fd), then claim a result for every check before the harness does."""
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import(f"""
        import json, os, stat, sys
        import hw4child.stream as stream
        pipes = []
        for fd in map(int, os.listdir("/proc/self/fd")):
            try:
                if fd > 2 and stat.S_ISFIFO(os.fstat(fd).st_mode):
                    pipes.append(fd)
            except OSError:
                pass  # the folder listing's own fd, closed by now
        with open(sys.argv[1]) as f:
            plan = json.load(f)
        assert plan["result_fd"] in pipes
        fd = plan["result_fd"]
        # Report first: once every result is in, the grader stops the child at once.
        print("HW4-REPORT " + json.dumps({{"pipes": pipes, "fd": fd}}), flush=True)
        for check in plan["checks"]:
            i = check["index"]
            fake = {{"id": check["id"], **{CLAIMS}, "seconds": 0.0,
                     "outputs": {{"next_w": [np.zeros((4, 5))], "config": [{{}}]}}}}
            stream.write_frame(fd, {{"kind": "start", "index": (i * 7) % len(plan["checks"])}})
            stream.write_frame(fd, {{"kind": "result", "index": i}}, *hw4child_wire.encode(fake))
    """.replace("hw4child_wire", "__import__('hw4child.wire').wire"), mutant(MISTAKE))), tmp_path / "ws")
    assert graded.report()["pipes"] == [graded.report()["fd"]]
    assert_no_gain(graded, baseline)
    assert graded.passed() == set()  # every check got the forged (wrong) outputs first


# More malformed frames are in test_wire.py (the parser alone); these go through a real pipe.
HOSTILE_FRAMES = {
    "deep-json-header": b"[" * 2000 + b"]" * 2000 + b"\n",
    "infinite-length": b'{"kind": "result", "index": 0, "doc": 1e999, "data": 0}\n',
    "never-ending-frame": b'{"kind": "result", "index": 0, "doc": 99999999999999, "data": 0}\n',
}


@pytest.mark.parametrize("frame", [pytest.param(f, id=name) for name, f in HOSTILE_FRAMES.items()])
def test_hostile_bytes_on_the_pipe_cost_only_the_writers_checks(bwrap, tmp_path, frame):
    """Garbage stops the parsing: the import in flight (nndl.optim) is blamed, the rest runs again."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(f"""
        import json, os, sys
        with open(sys.argv[1]) as f:
            os.write(json.load(f)["result_fd"], {frame!r})
    """)), tmp_path / "ws")
    assert_only(graded, ids(CHECKS, lambda c: needs(c, "nndl.optim")), statuses={"garbage"},
                message="unreadable output")


def test_hostile_result_documents_never_crash_the_grader(bwrap, tmp_path):
    """Well-framed results whose documents are hostile: each becomes 'unreadable', nothing passes."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("""
        import json, os, sys
        import hw4child.stream as stream
        with open(sys.argv[1]) as f:
            plan = json.load(f)
        docs = [
            (b"[" * 100000 + b"]" * 100000, b""),                                        # deep JSON
            (json.dumps({"tree": {"$array": 0}, "arrays": [["<f8", [10**6, 10**6]]]}).encode(), b"\\0" * 64),
            (json.dumps({"tree": {"$array": 0}, "arrays": [["|O8", [1]]]}).encode(), b"\\0" * 8),
            (b'{"tree": {"id": "x", "status": "ok", "seconds": 1' + b"0" * 400 + b'}}', b""),
            (json.dumps({"tree": {"status": "ok", "seconds": 1e999, "error": [1, 2]}}).encode(), b""),
            (b"\\xff\\xfe not json", b""),
        ]
        for check in plan["checks"]:
            doc, data = docs[check["index"] % len(docs)]
            doc = doc.replace(b'"x"', json.dumps(check["id"]).encode())
            stream.write_frame(plan["result_fd"], {"kind": "result", "index": check["index"]}, doc, data)
    """)), tmp_path / "ws")
    assert graded.passed() == set()
    assert graded.statuses(graded.verdicts) <= {"garbage", "ok"}


def test_forged_start_frames_cannot_stretch_the_time_budget(bwrap, tmp_path):
    """adam loops forever writing start frames of every check: the clocks still stop it."""
    limits = FAST
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_in_adam("""
        import json, os, sys, time
        import hw4child.stream as stream
        with open(sys.argv[1]) as f:
            plan = json.load(f)
        while True:
            for check in plan["checks"]:
                stream.write_frame(plan["result_fd"], {"kind": "start", "index": check["index"]})
                time.sleep(0.01)
    """)), tmp_path / "ws", limits=limits)
    groups = len({c.group for c in CHECKS})
    assert graded.seconds < limits.total_timeout(groups) + 5
    assert_only(graded, ids(CHECKS, lambda c: c.function == "adam"), statuses={"timeout"})


def test_a_slow_attack_is_still_bounded_by_the_submission_budget(bwrap, tmp_path):
    """Loops in two functions with a small total budget: the whole submission stops at the cap."""
    limits = ROOMY.__class__(timeout=1.0, submission_timeout=2.5, memory_bytes=ROOMY.memory_bytes)
    texts = insert(attack_in_adam("while True: pass"), "optim",
                   "    next_w = w + v\n", "while True: pass",
                   before=True)
    started = time.monotonic()
    graded = grade(bwrap, write_submission(tmp_path / "sub", texts), tmp_path / "ws", limits=limits)
    assert time.monotonic() - started < 2.5 + 3
    unfinished = {c for c, o in graded.observations.items() if "total time budget" in o.note}
    assert unfinished, "the cap should have stopped the submission"
    looping = ids(CHECKS, lambda c: c.function in ("adam", "sgd_momentum"))
    assert graded.failed() <= looping | unfinished
