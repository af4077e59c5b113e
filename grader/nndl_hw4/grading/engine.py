"""Observe checks on a student's code in sandboxed children.

One child runs all pending checks in order (group by group, each group with
its own wall-clock budget, see sandbox.launch). If it dies, hangs, or floods
its output, the check (or student import) in flight is blamed and the rest
run again in a fresh child, so a crash, hang or garbage in one check costs
only that check. A failed student import costs exactly the checks that need
that module.
"""

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..child import wire
from ..sandbox.launch import run_child
from . import reference


@dataclass
class Observation:
    """What the student's code did on one check, before judging."""

    status: str                       # ok | error | import-error | timeout | crashed | garbage
    outputs: Any = None
    error: dict | None = None         # {"type", "message", "where"} for error/import-error
    note: str = ""                    # how the child ended, for timeout/crashed/garbage
    seconds: float = 0.0
    console: str = ""


@dataclass
class Stats:
    children: int = 0
    seconds: float = 0.0
    notes: list = field(default_factory=list)


def _how_it_ended(run, limits):
    if run.overflowed:
        return f"it produced more than {limits.output_bytes >> 20} MiB of output and was stopped"
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


def _write_inputs(io_dir, checks):
    (io_dir / "inputs").mkdir(parents=True, exist_ok=True)
    for index, check in enumerate(checks):
        wire.dump(reference.inputs(check), io_dir / "inputs" / str(index))


def observe(backend, workspace, checks, limits):
    """({check id: Observation}, Stats) for every check (see the module docstring)."""
    observations, stats = {}, Stats()
    order = {}
    for check in checks:
        order.setdefault(check.group, []).append(check)
    pending = [c for group in order.values() for c in group]
    while pending:
        io_dir = Path(tempfile.mkdtemp(prefix="io-", dir=workspace.root))
        _write_inputs(io_dir, pending)
        plan = {"checks": [{"index": i, "id": c.id, "probe": c.probe, "modules": list(c.modules),
                            "inputs": f"inputs/{i}"} for i, c in enumerate(pending)]}
        run = run_child(backend, workspace.paths(io_dir), plan, limits, [c.group for c in pending])
        shutil.rmtree(io_dir, ignore_errors=True)
        stats.children += 1
        stats.seconds += run.seconds

        started, importing, done = None, None, set()
        for frame in run.frames:
            kind = frame.kind
            if kind == "import":
                importing = frame.header.get("module")
            elif kind in ("imported", "import-failed"):
                importing = None
            elif kind == "start":
                started = frame.header.get("index")
            elif kind == "result":
                index = frame.header.get("index")
                if not isinstance(index, int) or not 0 <= index < len(pending) or index in done:
                    continue
                check = pending[index]
                try:
                    result = wire.decode(frame.doc, frame.npz)
                    if not isinstance(result, dict) or result.get("id") != check.id:
                        raise wire.WireError("result for another check")
                    observations[check.id] = Observation(
                        status=result.get("status", "error") if result.get("status") in
                        ("ok", "error", "import-error") else "garbage",
                        outputs=result.get("outputs"), error=result.get("error"),
                        seconds=float(result.get("seconds") or 0.0), console=run.console)
                except (wire.WireError, TypeError, ValueError) as exc:
                    observations[check.id] = Observation(status="garbage", note=f"unreadable outputs: {exc}")
                done.add(index)
                started = None

        remaining = [c for i, c in enumerate(pending) if i not in done]
        if not remaining:
            break
        note = _how_it_ended(run, limits)
        status = _failure_status(run)
        if importing is not None:
            # The child died importing a student module: every check needing it fails.
            blamed = [c for c in remaining if importing in c.modules]
            note = f"importing {importing} failed: {note}"
        elif isinstance(started, int) and 0 <= started < len(pending) and started not in done:
            blamed = [pending[started]]
        else:
            blamed = []
        if not blamed:
            blamed = remaining  # nothing we can attribute: do not loop forever
        for check in blamed:
            observations[check.id] = Observation(status=status, note=note, console=run.console)
        stats.notes.append(note)
        pending = [c for c in remaining if c.id not in observations]
    return observations, stats


class Workspace:
    """A private folder for one submission: its copy, the harness, per-run inputs."""

    def __init__(self, root, submission_copy, harness):
        self.root, self.submission, self.harness = Path(root), Path(submission_copy), Path(harness)

    def paths(self, io_dir):
        from ..sandbox.backends import HostPaths
        return HostPaths(submission=self.submission, harness=self.harness, io=io_dir)
