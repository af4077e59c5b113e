"""The machinery around the children: time budgets, start-up, cleanup, concurrency, backend choice."""

import concurrent.futures
import dataclasses
import subprocess
import sys

import pytest

from nndl_hw4.grading import engine
from nndl_hw4.grading.workspace import create_workspace
from nndl_hw4.sandbox import backends, command
from nndl_hw4.sandbox.backends import Command, DirectBackend, SandboxUnavailable, allocate_uid, select

from .helpers import (FAST, ROOMY, RUNTIME, assert_only, attack_at_import, attack_in_adam, grade, ids, is_root, mutants,
                      processes_of_uid, witness_checks, write_submission)

CHECKS = witness_checks()


def test_one_slow_case_does_not_cost_the_functions_other_checks(bwrap, tmp_path):
    """adam is slow only when called with config=None: that check times out, adam's others pass.

    After a function's first timeout its other checks share one more budget; fast
    ones are not hurt by it.
    """
    texts = mutants.reference_sources()
    anchor = "def adam(w, dw, config=None):\n"
    assert texts["optim"].count(anchor) == 1
    texts["optim"] = texts["optim"].replace(
        anchor, anchor + "    if config is None:\n        import time\n        time.sleep(60)\n")
    graded = grade(bwrap, write_submission(tmp_path / "sub", texts), tmp_path / "ws", limits=FAST)
    assert_only(graded, {"adam/defaults"}, statuses={"timeout"}, message=f"did not finish within {FAST.timeout:g} s")


class _NeverStarts(DirectBackend):
    """A backend whose 'child' never reaches the harness (a hung start-up)."""

    def command(self, paths, limits):
        return Command(argv=["sleep", "60"], cwd=str(paths.io), env={}, submission="", io="")

    def cleanup(self, command):
        pass


def test_start_up_is_covered_by_a_timeout(tmp_path):
    limits = dataclasses.replace(FAST, startup_timeout=1.0)
    graded = grade(_NeverStarts(), write_submission(tmp_path / "sub", mutants.reference_sources()),
                   tmp_path / "ws", limits=limits)
    assert graded.statuses(graded.verdicts) == {"timeout"}
    assert all("did not start within 1 s" in o.note for o in graded.observations.values())
    assert graded.seconds < 5 and graded.stats.children == 1


class _Exploding(DirectBackend):
    def command(self, paths, limits):
        raise OSError("no more processes")


def test_io_folders_and_workspace_are_removed_when_launching_fails(tmp_path):
    with create_workspace(write_submission(tmp_path / "sub", mutants.reference_sources()),
                          tmp_root=tmp_path) as workspace:
        with pytest.raises(OSError):
            engine.observe(_Exploding(), workspace, CHECKS, FAST, RUNTIME)
        assert list(workspace.root.glob("io-*")) == []
    assert not workspace.root.exists()


def test_a_failed_workspace_copy_leaves_nothing(tmp_path, monkeypatch):
    from nndl_hw4.grading import workspace as workspace_module

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(workspace_module.shutil, "copyfile", broken)
    (tmp_path / "ws").mkdir()
    with pytest.raises(OSError):
        create_workspace(write_submission(tmp_path / "sub", mutants.reference_sources()), tmp_root=tmp_path / "ws")
    assert list((tmp_path / "ws").iterdir()) == []


def test_workspace_shares_the_harness_instead_of_copying_it(tmp_path):
    with create_workspace(write_submission(tmp_path / "sub", mutants.reference_sources()),
                          tmp_root=tmp_path) as workspace:
        assert (workspace.harness / "hw4child").is_symlink()
        assert (workspace.site / "numpy").is_symlink()
        assert sorted(p.name for p in workspace.submission.iterdir()) == ["nndl", "utils"]


def test_two_sandboxes_at_once_share_nothing(bwrap, tmp_path):
    """--jobs 2: a fork bomb and a hang beside a clean submission; distinct uids, exact outcomes."""
    sleepers = attack_at_import("""
        import json, os, time
        forks = 0
        for _ in range(50):
            try:
                if os.fork() == 0:
                    time.sleep(600)
                    os._exit(0)
                forks += 1
            except OSError:
                break
        print("HW4-REPORT " + json.dumps({"uid": os.getuid(), "forks": forks}), flush=True)
    """)
    uid_report = attack_at_import("""
        import json, os
        print("HW4-REPORT " + json.dumps({"uid": os.getuid()}), flush=True)
    """)
    jobs = {
        "sleepers": write_submission(tmp_path / "a", sleepers),
        "loop": write_submission(tmp_path / "b", attack_in_adam("while True: pass", uid_report)),
        "clean": write_submission(tmp_path / "c", uid_report),
    }
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(grade, bwrap, nndl, tmp_path / f"ws-{name}", None, FAST)
                   for name, nndl in jobs.items()}
        graded = {name: f.result() for name, f in futures.items()}
    assert graded["sleepers"].failed() == set() and graded["clean"].failed() == set(), \
        {c: (v.message, graded["sleepers"].observations[c].status) for c, v in graded["sleepers"].verdicts.items() if not v.passed}
    if is_root():
        assert graded["sleepers"].report()["forks"] == FAST.processes - 1  # its own cap, not shared
    assert_only(graded["loop"], ids(CHECKS, lambda c: c.function == "adam"), statuses={"timeout"})
    uids = [r["uid"] for g in graded.values() for r in g.reports()]
    if is_root():
        assert len(set(uids)) == len(uids), "two children shared a uid"
        assert all(processes_of_uid(uid) == [] for uid in uids)


def test_uids_are_unique_across_grader_processes():
    mine = {allocate_uid() for _ in range(command.UID_SLOTS)}
    assert len(mine) == command.UID_SLOTS
    code = "from nndl_hw4.sandbox.backends import allocate_uid; print(allocate_uid())"
    others = {int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
              for _ in range(2)}
    assert len(others) == 2 and not others & mine
    assert all(0 < uid < 2**31 for uid in mine | others)


def test_direct_backend_as_root_drops_to_a_throwaway_uid():
    if not is_root():
        pytest.skip("only root has privileges to drop")
    assert DirectBackend().drops_privileges(), "the harness could not switch uid (see harness --self-test-drop)"


def test_missing_bubblewrap_is_reported_with_the_install_command(monkeypatch):
    monkeypatch.setattr(backends.shutil, "which", lambda name: None)
    with pytest.raises(SandboxUnavailable) as raised:
        select("bubblewrap")
    assert "apt-get install bubblewrap" in raised.value.hint
    backend, warning = select("auto")
    assert backend.name == "direct" and "apt-get install bubblewrap" in warning


def test_bubblewrap_is_what_auto_selects_here(bwrap):
    assert select("auto")[0].name == "bubblewrap"


def test_limits_bound_a_submission():
    limits = ROOMY
    assert limits.total_timeout(4) == limits.startup_timeout + 4 * limits.timeout
    assert dataclasses.replace(limits, submission_timeout=30).total_timeout(4) == 30
