"""End to end: `nndl-hw4 grade --jobs 2` on a class of the reference and adversarial submissions.

Every row of the gradebook is asserted question by question: the attacks
cost exactly the questions whose code they broke, nothing is forged, and
the batch finishes.
"""

import csv
import io
import os
import time

import pytest
from click.testing import CliRunner

from nndl_hw4.checks import all_checks
from nndl_hw4.cli import main
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox import command

from .helpers import (attack_at_import, attack_in_adam, is_root, mutant, mutants, needs, processes_of_uid,
                      write_submission)

RUBRIC = load_rubric()
CATALOGUE = {c.id: c for c in all_checks()}
# Questions with a check that imports nndl.optim (directly, or through utils.solver).
OPTIM_QUESTIONS = {q.id for q in RUBRIC.questions if any(needs(CATALOGUE[c], "nndl.optim") for c in q.checks)}
SLEEPERS = """
    import json, os, time
    for _ in range(50):
        try:
            if os.fork() == 0:
                os.setsid()
                time.sleep(600)
                os._exit(0)
        except OSError:
            break
    print("HW4-REPORT " + json.dumps({"uid": os.getuid()}), flush=True)
"""
FORGER = """
    import json, os, sys
    import hw4child.stream as stream, hw4child.wire as wire
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    for check in plan["checks"]:
        claim = {"id": check["id"], "status": "ok", "passed": True, "score": 100.0, "outputs": None}
        stream.write_frame(plan["result_fd"], {"kind": "result", "index": check["index"]}, *wire.encode(claim))
"""

# name: (submission texts, questions that must lose points ("ALL" = every auto question), status)
CLASS = {
    "alice-reference": (mutants.reference_sources(), set(), "ok"),
    "bob-adam-loops": (attack_in_adam("while True: pass"), {"adam"}, "partial errors"),
    "carol-fork-sleepers": (attack_at_import(SLEEPERS), set(), "ok"),
    "erin-memory-bomb-at-import": (attack_at_import("big = np.ones(1 << 40)"), OPTIM_QUESTIONS, "partial errors"),
    # Its forged "passed" claims arrive as well-formed results: graded (status ok), all failing. The
    # forgery runs wherever nndl.optim is imported: in the child of the optimizer and layer checks, and
    # in the network child only at its last check (the batchnorm network's training: utils.solver
    # imports optim). The network's checks that run before that keep their honest points.
    "frank-forges-every-result": (attack_at_import(FORGER, mutant("adam-no-bias-correction")),
                                  "ALL but fc_net_dropout", "ok"),
}


def test_a_class_with_attacks_grades_to_the_expected_gradebook(bwrap, tmp_path):
    folder = tmp_path / "class"
    for name, (texts, _, _) in CLASS.items():
        write_submission(folder / name, texts)
    out = tmp_path / "grades"
    started = time.monotonic()
    result = CliRunner().invoke(main, ["grade", str(folder), "--out", str(out), "--jobs", "2",
                                       "--timeout", "2", "--sandbox", "bubblewrap"], catch_exceptions=False)
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert seconds < 90, f"the batch took {seconds:.0f} s"

    auto = {q.id: q.points for q in RUBRIC.questions if q.kind == "auto"}
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO((out / "grades.csv").read_text()))}
    assert set(rows) == set(CLASS)
    for name, (_, losing, status) in CLASS.items():
        row = rows[name]
        if isinstance(losing, str):
            losing = set(auto) - ({"fc_net_dropout"} if losing == "ALL but fc_net_dropout" else set())
        assert row["status"] == status, (name, row["reason"])
        for question, full in auto.items():
            if full == 0:
                continue
            got = float(row[question])
            if question in losing:
                assert got < full, f"{name}: {question} should lose points, got {got}/{full}"
            else:
                assert got == full, f"{name}: {question} got {got}/{full} ({row['reason']})"
        if name == "frank-forges-every-result":
            # Every forged claim was judged on its (absent) outputs: all that scores is the network's
            # honest work, every check of the network with dropout and all but the training check
            # (forged: it imports optim) of the batchnorm network.
            bn = [c for c in RUBRIC.questions if c.id == "fc_net_batchnorm"][0]
            honest = auto["fc_net_batchnorm"] * (len(bn.checks) - 1) / len(bn.checks)
            assert float(row["total"]) == pytest.approx(auto["fc_net_dropout"] + honest, abs=0.01)

    # Nothing the fork sleepers started survived the batch: no process runs as one of the
    # throw-away uids this grader process hands out.
    if is_root():
        mine = range(command.UID_BASE + os.getpid() * command.UID_SLOTS,
                     command.UID_BASE + (os.getpid() + 1) * command.UID_SLOTS)
        assert [uid for uid in mine if processes_of_uid(uid)] == []
