"""Observe checks on a student's code in sandboxed children.

One child runs all pending checks in order (group by group, each group on
its own clock, see sandbox.launch). If it dies, hangs, or floods its output,
the check (or student import) in flight is blamed and the rest run again in
a fresh child, so a crash, hang or garbage in one check costs only that
check. A failed student import costs exactly the checks that need that
module.

Time is bounded per submission, whatever the code does:

- a function that timed out once gets ONE more budget (Limits.timeout) for
  all its remaining checks together, in whichever children they run; once
  it is used up, they fail without running. Code that keeps within the
  normal per-group budget never gets here, and the remaining checks get at
  least the budget they would have shared in a normal run;
- all children of one submission together get Limits.total_timeout(groups)
  (startup_timeout + groups x timeout by default); what is not finished by
  then fails.
"""

import math
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..child import stream, wire
from ..sandbox.launch import STARTUP, SUBMISSION, run_child


@dataclass
class Observation:
    """What the student's code did on one check, before judging."""

    status: str                       # ok | error | import-error | timeout | crashed | garbage
    outputs: Any = None
    error: dict | None = None         # {"type", "message", "where"} for error/import-error
    note: str = ""                    # how the child ended, for timeout/crashed/garbage
    seconds: float = 0.0
    console: str = ""                 # head of the child's stdout: for instructors, never students
    module: str | None = None         # for import-error: the student module that failed to import


@dataclass
class Stats:
    children: int = 0
    seconds: float = 0.0
    notes: list = field(default_factory=list)


def _function_clock(function):
    return f"function:{function}"


def _how_it_ended(run, limits, budgets, total):
    if run.overflowed:
        return f"it produced more than {limits.output_bytes >> 20} MiB of output and was stopped"
    if run.expired == SUBMISSION:
        return f"the submission used up its total time budget ({total:g} s)"
    if run.expired == STARTUP:
        return f"the sandbox did not start within {limits.startup_timeout:g} s"
    if run.expired is not None and run.expired.startswith("function:"):
        function = run.expired.split(":", 1)[1]
        return (f"it did not finish within the {budgets.get(run.expired, 0.0):.3g} s left for {function} "
                f"after it timed out on another check (an infinite loop?)")
    if run.timed_out:
        return f"it did not finish within {limits.timeout:g} s (an infinite loop?)"
    if run.returncode is not None and run.returncode < 0:
        return f"the process was killed by signal {-run.returncode} (out of memory or a resource limit?)"
    if run.stream_error:
        return f"its output was unreadable ({run.stream_error})"
    return f"the process exited (status {run.returncode}) before finishing: did the code call exit()?"


def _failure_status(run):
    if run.timed_out:
        return "timeout"
    if run.stream_error or run.overflowed:
        return "garbage"
    return "crashed"


INPUTS = "inputs.bin"
TRUSTED = "trusted"        # the io folder's sub-folder holding the trusted layer modules, when given


def _encoded_inputs(runtime, check):
    """A check's inputs as an ``inputs`` frame: deterministic, so encoded once per run."""
    return runtime.memo(("encoded inputs", check), lambda: stream.frame_bytes(
        {"kind": "inputs", "id": check.id}, *wire.encode(runtime.inputs(check))))


def _write_inputs(io_dir, checks, runtime):
    """Every check's inputs in one file (frame i for plan check i): one file to write per child."""
    with open(io_dir / INPUTS, "wb") as f:
        for check in checks:
            f.write(_encoded_inputs(runtime, check))


def _write_trusted(io_dir, trusted):
    """The trusted layer modules, for the child that runs the network checks: {module: text}."""
    folder = io_dir / TRUSTED
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for module, text in trusted.modules.items():
        (folder / f"{module}.py").write_text(text)
    return {"dir": TRUSTED, "modules": list(trusted.modules), "package": trusted.package,
            "skip": list(trusted.skip)}


@dataclass(frozen=True)
class Trusted:
    """Trusted layers for a child that runs network checks (see child.trusted)."""

    modules: dict            # {'layers': text, 'layer_utils': text}, in import order
    package: str             # the student package whose layer modules they replace
    skip: tuple = ()         # student layer modules not even imported (they failed in another child)


def _text(value, limit=500):
    return value[:limit] if isinstance(value, str) else None


def _observation(result, console):
    """An Observation from a decoded result: every field checked, since the child is not trusted."""
    if not isinstance(result, dict):
        raise wire.WireError("the result is not a record")
    status = result.get("status")
    error = result.get("error")
    if error is not None:
        error = ({"type": _text(error.get("type"), 100) or "Error", "message": _text(error.get("message")) or "",
                  "where": _text(error.get("where"), 200)} if isinstance(error, dict)
                 else {"type": "Error", "message": "", "where": None})
    seconds = result.get("seconds")
    seconds = float(seconds) if type(seconds) in (int, float) and math.isfinite(seconds) else 0.0
    return Observation(status=status if status in ("ok", "error", "import-error") else "garbage",
                       outputs=result.get("outputs"), error=error, seconds=seconds, console=console,
                       module=_text(result.get("module"), 100))


def observe(backend, workspace, checks, limits, runtime, trusted=None):
    """({check id: Observation}, Stats) for every check (see the module docstring); with `trusted`
    (a Trusted), the child runs them with trusted layers in place of the student's."""
    observations, stats = {}, Stats()
    order = {}
    for check in checks:
        order.setdefault(check.group, []).append(check)
    pending = [c for group in order.values() for c in group]
    total = limits.total_timeout(len(order))
    deadline = time.monotonic() + total
    strikes = {}  # function -> seconds left of the one extra budget it got after timing out
    while pending:
        if time.monotonic() >= deadline:
            note = f"not run: the submission used up its total time budget ({total:g} s)"
            for check in pending:
                observations[check.id] = Observation(status="timeout", note=note)
            stats.notes.append(note)
            break
        for check in pending:
            if strikes.get(check.function, 1.0) <= 0:
                observations[check.id] = Observation(
                    status="timeout", note=f"not run: {check.function} timed out on other checks "
                                           "and used up its time budget")
        pending = [c for c in pending if c.id not in observations]
        if not pending:
            break
        budgets = {_function_clock(f): left for f, left in strikes.items()}
        run = _run_once(backend, workspace, pending, limits, runtime, trusted, strikes, budgets, deadline)
        stats.children += 1
        stats.seconds += run.seconds
        stats.notes += run.notes
        for function in strikes:
            strikes[function] -= run.spent.get(_function_clock(function), 0.0)

        found, started, importing = _read_results(run, pending)
        observations.update(found)
        remaining = [c for c in pending if c.id not in found]
        if not remaining:
            break
        note, blamed = _blame(run, pending, remaining, started, importing, limits, budgets, total, strikes)
        observations.update(blamed)
        stats.notes.append(note)
        pending = [c for c in remaining if c.id not in observations]
    return observations, stats


def _run_once(backend, workspace, pending, limits, runtime, trusted, strikes, budgets, deadline):
    """One child on the pending checks (in a fresh io folder, removed after): its ChildRun."""
    clocks = [_function_clock(c.function) if c.function in strikes else c.group for c in pending]
    io_dir = Path(tempfile.mkdtemp(prefix="io-", dir=workspace.root))
    try:
        _write_inputs(io_dir, pending, runtime)
        plan = {"inputs": INPUTS,
                "checks": [{"index": i, "id": c.id, "probe": c.probe, "modules": list(c.modules),
                            "inputs": i} for i, c in enumerate(pending)]}
        if trusted is not None:
            plan["trusted"] = _write_trusted(io_dir, trusted)
        return run_child(backend, workspace.paths(io_dir), plan, limits, clocks, budgets, deadline)
    finally:
        shutil.rmtree(io_dir, ignore_errors=True)


def _read_results(run, pending):
    """({check id: Observation} of the results the child wrote, index of the check in flight when it
    stopped or None, the student module it was importing or None).

    The harness writes start i, result i in plan order; a start out of that order is forged and
    ignored (as sandbox.launch does for the clocks).
    """
    found, started, importing, done, next_start = {}, None, None, set(), 0
    for frame in run.frames:
        kind = frame.kind
        index = frame.header.get("index")
        if kind == "import":
            importing = frame.header.get("module")
        elif kind in ("imported", "import-failed"):
            importing = None
        elif kind == "start":
            if index == next_start:
                started = index
        elif kind == "result":
            if index == next_start:
                next_start += 1
            if type(index) is not int or not 0 <= index < len(pending) or index in done:
                continue
            check = pending[index]
            try:
                result = wire.decode(frame.doc, frame.data)
                if not isinstance(result, dict) or result.get("id") != check.id:
                    raise wire.WireError("result for another check")
                found[check.id] = _observation(result, run.console)
            except Exception as exc:  # whatever the bytes: never a crash of the grader
                found[check.id] = Observation(status="garbage", note=f"unreadable outputs: {exc}"[:300],
                                              console=run.console)
            done.add(index)
            if index == started:
                started = None
    return found, started, importing


def _blame(run, pending, remaining, started, importing, limits, budgets, total, strikes):
    """(note, {check id: Observation}) for the checks a child that stopped early is blamed for: the
    import in flight costs the checks needing that module, the check in flight costs itself (and, on
    a timeout, its function's strike), and what cannot be attributed costs everything left."""
    note = _how_it_ended(run, limits, budgets, total)
    status = _failure_status(run)
    culprit = None
    if run.expired == SUBMISSION:
        blamed = remaining
    elif type(importing) is str and importing in {m for c in remaining for m in c.modules}:
        # The child died importing a student module: every check needing it fails.
        blamed = [c for c in remaining if importing in c.modules]
        note = f"importing {importing} failed: {note}"
        culprit = importing
    elif type(started) is int and 0 <= started < len(pending) and pending[started] in remaining:
        blamed = [pending[started]]
        if run.expired is not None and run.expired != STARTUP:
            function = pending[started].function
            # First timeout: one more budget for the function's other checks; second: none.
            strikes[function] = 0.0 if function in strikes else float(limits.timeout)
    else:
        blamed = []
    if not blamed:
        blamed = remaining  # nothing we can attribute: do not loop forever
    return note, {c.id: Observation(status=status, note=note, console=run.console, module=culprit) for c in blamed}
