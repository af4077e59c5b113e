"""Student code that hangs, crashes, exits, bombs or floods: exactly its checks fail.

Each test builds the reference with ONE hostile edit in optim.py and asserts
which checks fail, with which outcome and message, and that every other
check still passes (no collateral damage). Every kind of attack runs in both
backends; further variants of one kind run in bubblewrap only, since what
they exercise (harness, engine, wire) is the same code in both. Properties
of bubblewrap alone are in test_isolation.py.

Time: tests/sandbox runs about 110 sandboxed children plus ~25 s of deliberate
timeouts; measured 75-130 s on a shared 2-CPU machine (the spread is other
jobs' load). Loops use FAST (2 s) budgets; everything else ~0.5-1 s per child.
"""

import dataclasses

import pytest

from nndl_hw4.checks import all_checks

from .helpers import (FAST, ROOMY, assert_only, attack_at_import, attack_in_adam, grade, ids, is_root,
                       mutants, needs, processes_of_uid, witness_checks, write_submission)

CHECKS = witness_checks()
OPTIM_USERS = ids(CHECKS, lambda c: needs(c, "nndl.optim"))
ADAM = ids(CHECKS, lambda c: c.function == "adam")


def test_reference_passes_everything(backend, tmp_path):
    """The baseline the other tests compare with: the full catalogue passes in one child."""
    graded = grade(backend, write_submission(tmp_path / "sub", mutants.reference_sources()),
                   tmp_path / "ws", checks=all_checks())
    assert graded.failed() == set(), {c: graded.verdicts[c].message for c in graded.failed()}
    assert graded.stats.children == 1


# --- hangs -----------------------------------------------------------------


def test_infinite_loop_at_import(bwrap, tmp_path):
    """(The direct backend's kill path is exercised by the loop in one function below.)"""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("while True: pass")),
                   tmp_path / "ws", limits=FAST)
    assert_only(graded, OPTIM_USERS, statuses={"timeout"}, message="timed out")
    # One timeout per module import that hangs (nndl.optim, then utils.solver which imports it).
    assert graded.stats.children <= 3
    assert graded.seconds < 4 * FAST.timeout + 6


def test_infinite_loop_in_one_function(backend, tmp_path):
    graded = grade(backend, write_submission(tmp_path / "sub", attack_in_adam("while True: pass")),
                   tmp_path / "ws", limits=FAST)
    assert_only(graded, ADAM, statuses={"timeout"}, message="timed out")
    notes = sorted(graded.observations[c].note for c in ADAM)
    # The first timeout costs one group budget, then adam's other checks share ONE more budget
    # (so a loop costs 2 timeouts, not one per check); what is left over is not run.
    assert sum("not run" in n for n in notes) >= len(ADAM) - 2, notes
    assert graded.seconds < 2 * FAST.timeout + 6


@pytest.mark.parametrize("code", [
    pytest.param("import atexit, time\natexit.register(lambda: time.sleep(600))", id="atexit-handler"),
    pytest.param("import threading, time\nthreading.Thread(target=time.sleep, args=(600,)).start()",
                 id="non-daemon-thread"),
])
def test_hang_after_the_last_result_costs_nothing(bwrap, tmp_path, code):
    """Interpreter shutdown would wait for these: the grader stops the child once every result is in."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(code)), tmp_path / "ws", limits=FAST)
    assert graded.failed() == set()
    assert graded.stats.children == 1 and graded.seconds < FAST.timeout + 3


# --- memory ------------------------------------------------------------------


@pytest.mark.parametrize("backend_name, code", [
    pytest.param("bubblewrap", "big = bytearray(64 << 30)", id="one-huge-allocation"),
    pytest.param("bubblewrap", "hoard = []\nwhile True:\n    hoard.append(np.ones(1 << 23))",
                 id="growing-until-refused"),
    pytest.param("direct", "hoard = []\nwhile True:\n    hoard.append(np.ones(1 << 23))",
                 id="growing-until-refused-direct"),
])
def test_memory_bomb_in_one_function(bwrap, direct, tmp_path, backend_name, code):
    backend = bwrap if backend_name == "bubblewrap" else direct
    # A small RLIMIT_AS so that the growing bomb reaches it fast (the catalogue needs < 256 MiB).
    limits = dataclasses.replace(ROOMY, memory_bytes=320 << 20)
    graded = grade(backend, write_submission(tmp_path / "sub", attack_in_adam(code)), tmp_path / "ws", limits=limits)
    assert_only(graded, ADAM, statuses={"error"}, message="raised MemoryError")
    assert graded.stats.children == 1  # refused by RLIMIT_AS inside the child: nothing was killed


def test_memory_bomb_at_import(bwrap, tmp_path):
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("big = np.ones(1 << 40)")),
                   tmp_path / "ws")
    assert_only(graded, OPTIM_USERS, statuses={"import-error"}, message="MemoryError")


# --- processes -----------------------------------------------------------------


def test_fork_bomb_in_one_function(backend, tmp_path):
    """Every fork past the cap fails; the forked copies never write results of their own."""
    graded = grade(backend, write_submission(tmp_path / "sub", attack_in_adam("""
        import os
        while True:
            os.fork()
    """)), tmp_path / "ws")
    if backend.name == "direct" and not is_root() and graded.failed() != ADAM:
        pytest.skip("the direct backend as non-root shares the process cap with the user's own processes")
    assert_only(graded, ADAM, statuses={"error"}, message="raised BlockingIOError")


def test_fork_bomb_cap_holds_and_nothing_survives(backend, tmp_path):
    """Children that sleep, leave the session and hold the result pipe: capped, and all killed."""
    if backend.name == "direct" and not is_root():
        pytest.skip("direct backend as non-root: no throw-away uid, so neither the cap nor the sweep "
                    "applies (docs/sandbox.md)")
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import("""
        import json, os, time
        forks = 0
        for _ in range(100):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                os.setsid()
                time.sleep(600)
                os._exit(0)
            forks += 1
        print("HW4-REPORT " + json.dumps({"forks": forks, "uid": os.getuid()}), flush=True)
    """)), tmp_path / "ws")
    # The attack computes nothing wrong: every check passes, nothing is forged or lost.
    assert graded.failed() == set()
    report = graded.report()
    if is_root():
        assert report["forks"] == ROOMY.processes - 1  # the harness is the throw-away uid's first process
        assert report["uid"] != 0
        assert processes_of_uid(report["uid"]) == [], "a forked child survived the sandbox"
    else:  # the grader's own uid: its other processes count against the cap too
        assert report["forks"] <= ROOMY.processes - 1


# --- exits -----------------------------------------------------------------------


@pytest.mark.parametrize("code", [
    pytest.param("import sys; sys.exit(0)", id="sys.exit"),
    pytest.param("raise KeyboardInterrupt", id="KeyboardInterrupt"),
])
def test_exit_at_import_is_an_import_error(bwrap, tmp_path, code):
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import(code)), tmp_path / "ws")
    assert_only(graded, OPTIM_USERS, statuses={"import-error"}, message="importing your nndl package failed")
    assert graded.stats.children == 1


def test_sys_exit_at_import_in_the_direct_backend(direct, tmp_path):
    graded = grade(direct, write_submission(tmp_path / "sub", attack_at_import("import sys; sys.exit(0)")),
                   tmp_path / "ws")
    assert_only(graded, OPTIM_USERS, statuses={"import-error"}, message="SystemExit")


def test_sys_exit_in_one_function_is_an_error(backend, tmp_path):
    graded = grade(backend, write_submission(tmp_path / "sub", attack_in_adam("import sys; sys.exit(0)")),
                   tmp_path / "ws")
    assert_only(graded, ADAM, statuses={"error"}, message="raised SystemExit")
    assert graded.stats.children == 1


def test_os_exit_at_import_crashes_only_its_importers(backend, tmp_path):
    graded = grade(backend, write_submission(tmp_path / "sub", attack_at_import("import os; os._exit(0)")),
                   tmp_path / "ws")
    assert_only(graded, OPTIM_USERS, statuses={"crashed"}, message="exited (status 0)")


def test_os_exit_in_one_function_crashes_only_its_checks(backend, tmp_path):
    graded = grade(backend, write_submission(tmp_path / "sub", attack_in_adam("import os; os._exit(0)")),
                   tmp_path / "ws")
    assert_only(graded, ADAM, statuses={"crashed"}, message="crashed")
    assert graded.stats.children == len(ADAM) + 1  # each adam check is blamed alone, then the rest runs


# --- output floods -------------------------------------------------------------------


ONCE = "if not hasattr(np, '_flooded'):\n    np._flooded = True\n    "  # the training check calls adam 100s of times


@pytest.mark.parametrize("where, code", [
    pytest.param("import", "print('x' * (8 << 20))", id="stdout-8MiB-at-import"),
    pytest.param("adam", ONCE + "import sys; sys.stderr.write('y' * (8 << 20))", id="stderr-8MiB-in-adam"),
])
def test_flooding_the_console_costs_nothing(bwrap, tmp_path, where, code):
    attack = attack_at_import if where == "import" else attack_in_adam
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack(code)), tmp_path / "ws")
    assert graded.failed() == set()
    console = next(iter(graded.observations.values())).console
    assert 0 < len(console.encode()) <= ROOMY.console_bytes  # only the head is kept, for instructors


def test_console_head_is_kept_even_unflushed(bwrap, tmp_path):
    """A short print without flush still reaches the instructors' console head (the child is
    stopped as soon as its last result is in, so the harness flushes before each result)."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_at_import("print('debug: optim imported')")),
                   tmp_path / "ws")
    assert graded.failed() == set()
    assert "debug: optim imported" in next(iter(graded.observations.values())).console


def test_flooding_the_console_in_the_direct_backend(direct, tmp_path):
    graded = grade(direct, write_submission(tmp_path / "sub", attack_at_import("print('x' * (8 << 20))")),
                   tmp_path / "ws")
    assert graded.failed() == set()
    assert len(next(iter(graded.observations.values())).console) == ROOMY.console_bytes


# --- broken code ---------------------------------------------------------------------


def test_syntax_error_fails_only_the_importers(bwrap, tmp_path):
    texts = attack_at_import("def broken(:\n    pass")
    graded = grade(bwrap, write_submission(tmp_path / "sub", texts), tmp_path / "ws")
    assert_only(graded, OPTIM_USERS, statuses={"import-error"}, message="SyntaxError")
    assert graded.stats.children == 1


def test_missing_module_fails_only_the_checks_that_need_it(bwrap, tmp_path):
    graded = grade(bwrap, write_submission(tmp_path / "sub", mutants.reference_sources(), drop=["layer_utils"]),
                   tmp_path / "ws")
    needing = ids(CHECKS, lambda c: needs(c, "nndl.layer_utils"))
    assert_only(graded, needing, statuses={"import-error"}, message="ModuleNotFoundError")
    assert graded.stats.children == 1


@pytest.mark.parametrize("code, shown, message", [
    pytest.param("return None, config", lambda w: w is None, "None", id="returns-None"),
    pytest.param("return np.zeros(3), config", lambda w: w.shape == (3,), "shape", id="wrong-shape"),
    pytest.param("return np.full_like(w, np.nan), config", lambda w: bool(w.size) and all(w.ravel() != w.ravel()),
                 "NaN", id="returns-NaN"),
    pytest.param("return w.tolist(), config", lambda w: isinstance(w, list), "list", id="returns-a-list"),
])
def test_bad_return_values_travel_faithfully_and_fail(bwrap, tmp_path, code, shown, message):
    """Both backends share this path (harness, wire, engine): bubblewrap alone is enough."""
    graded = grade(bwrap, write_submission(tmp_path / "sub", attack_in_adam(code)), tmp_path / "ws")
    # Multi-step checks may raise when adam's next call gets its own bad output back.
    assert_only(graded, ADAM, statuses={"ok", "error"})
    public = graded.observations["adam/public"]
    assert public.status == "ok"
    assert shown(public.outputs["next_w"][0])  # the grader saw exactly what adam returned
    assert message in graded.verdicts["adam/public"].message
