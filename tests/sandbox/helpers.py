"""Adversarial submissions for the sandbox tests, and the helpers that grade them.

Every submission is the reference (``mutants.reference_sources``) with one
edit: code inserted after optim.py's ``import numpy as np`` (runs at import)
or at the top of ``adam``'s body (runs on every adam call). Attack code
reports what it saw by printing ``HW4-REPORT {json}``; the grader keeps the
head of the child's console for instructors, which is where the tests read it.

The suite needs the REAL bubblewrap on Linux: if it is missing, the tests
FAIL and say how to install it (CI installs it); they never skip.
"""

import ast
import json
import os
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks
from nndl_hw4.grading.engine import observe
from nndl_hw4.grading.judging import judge
from nndl_hw4.grading.workspace import create_workspace, remove_workspace
from nndl_hw4.reference import nndl as reference_nndl
from nndl_hw4.reference import utils as reference_utils
from nndl_hw4.sandbox.backends import SandboxUnavailable, select
from nndl_hw4.runtime import Runtime
from nndl_hw4.sandbox.limits import Limits

RUNTIME = Runtime()   # the reference's side of every check, shared by the sandbox tests

IMPORT = "import numpy as np\n"                                   # anchor in optim.py: runs at import
ADAM = "    beta1, beta2 = config['beta1'], config['beta2']\n"     # anchor in adam: runs on every call
REPORT = "HW4-REPORT "
# Loops cost one or two timeouts: keep them short (each witness group needs < 0.5 s here).
# Other attacks get room for a slow CI machine. Start-up keeps its generous default.
FAST = Limits(timeout=2.0, console_bytes=256 * 1024, memory_bytes=512 << 20)
ROOMY = Limits(timeout=8.0, console_bytes=256 * 1024, memory_bytes=512 << 20)
INSTALL_HINT = ("bubblewrap is required by the sandbox tests and must really run here: "
                "install it with `apt-get install bubblewrap` (Debian/Ubuntu; CI's .ci/run does this) "
                "or `dnf install bubblewrap`")


# ---------------------------------------------------------------------------
# Backends


def bubblewrap_backend():
    if not sys.platform.startswith("linux"):
        pytest.skip("bubblewrap exists only on Linux")
    try:
        backend, _ = select("bubblewrap")
    except SandboxUnavailable as error:
        pytest.fail(f"{INSTALL_HINT} ({error})")
    return backend


def is_root():
    return os.getuid() == 0


# ---------------------------------------------------------------------------
# Checks and what a broken module costs


def witness_checks():
    """Every check of adam, plus the first check of each (group, modules) pair of the catalogue.

    Enough to see collateral damage in every group and through every import
    path, at a fraction of the catalogue's running time (the full catalogue
    runs once, in test_reference_passes_everything).
    """
    chosen, seen = [], set()
    for check in all_checks():
        combo = (check.group, check.modules)
        if check.function == "adam" or combo not in seen:
            chosen.append(check)
            seen.add(combo)
    return chosen


def _import_graph():
    """{'nndl.fc_net': {'nndl.layers', ...}} from the reference sources' import statements."""
    graph = {}
    for package, folder in (("nndl", Path(reference_nndl.__file__).parent),
                            ("utils", Path(reference_utils.__file__).parent)):
        for path in folder.glob("*.py"):
            name = f"{package}.{path.stem}"
            deps = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    base = f"{package}.{node.module}" if node.level else node.module
                    if base in ("nndl", "utils"):
                        deps |= {f"{base}.{alias.name}" for alias in node.names}
                    elif base:
                        deps.add(base)
                elif isinstance(node, ast.Import):
                    deps |= {alias.name for alias in node.names}
            graph[name] = {d for d in deps if d.startswith(("nndl.", "utils."))}
    return graph


GRAPH = _import_graph()


def needs(check, module):
    """Whether importing the check's modules imports `module` (directly or not)."""
    seen, todo = set(), list(check.modules)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += GRAPH.get(name, ())
    return module in seen


# ---------------------------------------------------------------------------
# Submissions


def insert(texts, module, anchor, code, before=False):
    """texts with `code` inserted after (or before) the one occurrence of `anchor` in `module`."""
    text = texts[module]
    assert text.count(anchor) == 1, f"the anchor {anchor!r} moved in {module}.py"
    indent = anchor[: len(anchor) - len(anchor.lstrip())]
    block = textwrap.indent(textwrap.dedent(code).strip("\n") + "\n", indent)
    new = block + anchor if before else anchor + block
    return dict(texts, **{module: text.replace(anchor, new)})


def attack_at_import(code, texts=None):
    return insert(texts or mutants.reference_sources(), "optim", IMPORT, code)


def attack_in_adam(code, texts=None):
    return insert(texts or mutants.reference_sources(), "optim", ADAM, code, before=True)


def mutant(mutation_id):
    return mutants.apply([mutants.by_id(mutation_id)])


def write_submission(folder, texts, drop=()):
    """folder/nndl/ from texts, without the modules in `drop`; returns the nndl folder."""
    pkg = mutants.write_package(folder, texts)
    for module in drop:
        (pkg / f"{module}.py").unlink()
    return pkg


# ---------------------------------------------------------------------------
# Grading one submission


@dataclass
class Graded:
    observations: dict
    verdicts: dict
    stats: object
    seconds: float
    checks: list = field(default_factory=list)

    def failed(self):
        return {cid for cid, v in self.verdicts.items() if not v.passed}

    def passed(self):
        return {cid for cid, v in self.verdicts.items() if v.passed}

    def reports(self):
        """Every HW4-REPORT the attack code printed (in the console heads the grader kept)."""
        found, seen = [], set()
        for observation in self.observations.values():
            if observation.console in seen:
                continue
            seen.add(observation.console)
            for line in observation.console.splitlines():
                if line.startswith(REPORT):
                    found.append(json.loads(line[len(REPORT):]))
        return found

    def report(self):
        reports = self.reports()
        assert reports, "the attack code printed no report: " + repr(
            next(iter(self.observations.values())).console[-2000:])
        return reports[0]

    def statuses(self, ids):
        return {self.observations[i].status for i in ids}


def grade(backend, nndl_dir, tmp_root, checks=None, limits=ROOMY):
    """Observe and judge `checks` (default: the witness set) on a submission, in `backend`.

    Also asserts that the workspace leaves nothing behind in `tmp_root`.
    """
    checks = checks if checks is not None else witness_checks()
    tmp_root = Path(tmp_root)
    tmp_root.mkdir(parents=True, exist_ok=True)
    before = set(tmp_root.iterdir())
    started = time.monotonic()
    workspace = create_workspace(nndl_dir, tmp_root=tmp_root)
    try:
        observations, stats = observe(backend, workspace, checks, limits, RUNTIME)
        assert not list(workspace.root.glob("io-*")), "a child's io folder was left behind"
    finally:
        remove_workspace(workspace)
    seconds = time.monotonic() - started
    assert set(tmp_root.iterdir()) == before, "the workspace was not removed"
    assert set(observations) == {c.id for c in checks}, "a check got no observation"
    verdicts = {c.id: judge(c, observations[c.id], RUNTIME) for c in checks}
    return Graded(observations, verdicts, stats, seconds, list(checks))


def assert_only(graded, failing, statuses=None, message=None):
    """Exactly the checks in `failing` fail (every other one passes: no collateral damage).

    statuses: the observation statuses allowed for the failing checks;
    message: a fragment every failing check's student-facing message holds.
    """
    failing = set(failing)
    assert failing, "the scenario should make some check fail"
    collateral = {cid: graded.verdicts[cid].message for cid in graded.failed() - failing}
    assert not collateral, f"collateral damage: {collateral}"
    spared = graded.passed() & failing
    assert not spared, f"these should have failed: {sorted(spared)}"
    if statuses is not None:
        got = {cid: graded.observations[cid].status for cid in failing}
        assert set(got.values()) <= set(statuses), got
    if message is not None:
        wrong = {cid: graded.verdicts[cid].message for cid in failing if message not in graded.verdicts[cid].message}
        assert not wrong, f"expected {message!r} in: {wrong}"


def ids(checks, predicate):
    return {c.id for c in checks if predicate(c)}


def processes_of_uid(uid):
    """Host pids whose real uid is `uid` (zombies excluded)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields["Uid"].split()[0] == str(uid) and not fields["State"].strip().startswith("Z"):
                found.append(int(entry))
    return found
