"""Run one sandboxed child: write its plan, start it, drain its pipes, enforce its time budgets.

Time is kept on named clocks. Every check of the plan names its clock (its
check group, or ``function:<name>`` for a function that already timed out
once, see grading.engine); a clock runs only while one of its checks is in
flight, and start-up (Python and numpy, until the first check starts) has a
clock of its own. The ``start`` frames of the result stream, parsed as they
arrive, switch the clocks, so one child can run every group of a submission
and pay for start-up once. Only a ``start`` in plan order (check i after the
result of check i-1) switches a clock, and a clock never gets its budget
back within a child, so forged frames cannot buy time; an optional hard
deadline (the submission's total budget) caps everything.

All reading happens on this thread (select on both pipes), so nothing is
left blocked on a pipe that a runaway grandchild still holds open.
"""

import json
import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field

from ..child import stream

STARTUP = "start-up"        # the clock of everything before the first check starts
SUBMISSION = "submission"   # what `expired` says when the hard deadline stopped the child
_POLL = 0.25                # seconds between checks of the child's exit and the clocks
_GRACE = 2.0                # seconds to drain pipes once the child and its group are dead


@dataclass
class ChildRun:
    """What came back from one child, before any interpretation."""

    frames: list
    stream_error: str | None       # why the result stream stopped parsing early
    returncode: int | None
    timed_out: bool
    overflowed: bool                # the result stream exceeded Limits.output_bytes
    console: str                    # head of the child's stdout+stderr (instructors only)
    console_bytes: int              # how much it printed in total
    seconds: float
    backend: str = ""
    notes: list = field(default_factory=list)
    expired: str | None = None      # the clock that ran out: a clock name, STARTUP or SUBMISSION
    spent: dict = field(default_factory=dict)   # seconds charged to each clock


class _Clocks:
    def __init__(self, budgets, default, hard_deadline):
        self.budgets, self.default, self.hard = budgets, default, hard_deadline
        self.spent = {}
        self.current, self.since = STARTUP, time.monotonic()

    def _charge(self, now):
        self.spent[self.current] = self.spent.get(self.current, 0.0) + (now - self.since)
        self.since = now

    def switch(self, name):
        if name != self.current:
            self._charge(time.monotonic())
            self.current = name

    def deadline(self):
        """(monotonic time, clock name) at which the child must be stopped."""
        left = self.budgets.get(self.current, self.default) - self.spent.get(self.current, 0.0)
        when = self.since + left
        if self.hard is not None and self.hard <= when:
            return self.hard, SUBMISSION
        return when, self.current

    def stop(self):
        self._charge(time.monotonic())
        return dict(self.spent)


class _Pipes:
    """Drain the result stream (parsed as it arrives) and the console (head kept)."""

    def __init__(self, result_fd, console_fd, limits, clocks, groups, on_overflow):
        self.result_fd, self.console_fd = result_fd, console_fd
        self.limits, self.clocks, self.groups, self.on_overflow = limits, clocks, groups, on_overflow
        self.selector = selectors.DefaultSelector()
        for fd in (result_fd, console_fd):
            os.set_blocking(fd, False)
            self.selector.register(fd, selectors.EVENT_READ)
        self.open = 2
        self.buffer = bytearray()       # unparsed bytes of the result stream
        self.received = 0
        self.frames, self.parse_error, self.overflowed = [], None, False
        self.next_start = 0   # the harness starts checks in plan order: other start frames are forged
        self.console, self.console_total = bytearray(), 0

    def _results(self, chunk):
        if self.overflowed:
            return
        self.received += len(chunk)
        if self.received > self.limits.output_bytes:
            self.overflowed = True
            self.buffer.clear()
            self.on_overflow()
            return
        if self.parse_error is not None:
            return  # garbage from here on: keep draining, stop parsing
        self.buffer += chunk
        pos = 0
        while True:
            try:
                frame, pos_after = stream.next_frame(self.buffer, pos)
            except ValueError as exc:
                self.parse_error = str(exc)
                break
            if frame is None:
                break
            pos = pos_after
            self.frames.append(frame)
            index = frame.header.get("index")
            if frame.kind == "start" and index == self.next_start and index < len(self.groups):
                self.clocks.switch(self.groups[index])
            elif frame.kind == "result" and index == self.next_start:
                self.next_start += 1
        del self.buffer[:pos]

    def _console(self, chunk):
        self.console_total += len(chunk)
        room = self.limits.console_bytes - len(self.console)
        if room > 0:
            self.console += chunk[:room]

    def pump(self, timeout):
        """Read whatever arrives within `timeout` seconds; False once both pipes are closed."""
        if not self.open:
            return False
        for key, _ in self.selector.select(timeout):
            try:
                chunk = os.read(key.fd, 1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self.selector.unregister(key.fd)
                self.open -= 1
            elif key.fd == self.result_fd:
                self._results(chunk)
            else:
                self._console(chunk)
        return self.open > 0

    def stream_error(self):
        if self.parse_error is not None:
            return self.parse_error
        if self.buffer and not self.overflowed:
            return "truncated frame"
        return None

    def close(self):
        self.selector.close()


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _cpu_seconds(limits, groups, budgets, deadline):
    """RLIMIT_CPU for a child: its whole wall-clock budget (every clock it may use) + 5 s."""
    total = limits.startup_timeout + sum(budgets.get(g, limits.timeout) for g in set(groups))
    if deadline is not None:
        total = min(total, max(deadline - time.monotonic(), 0.0))
    return int(total) + 5


def run_child(backend, paths, plan, limits, groups, budgets=None, deadline=None):
    """Start the harness in `backend` on the prepared `paths` with `plan` (a dict).

    groups[i] names the clock of plan check i (its check group, usually);
    budgets maps clock names to seconds where not limits.timeout; deadline is
    a time.monotonic() value past which the child is stopped whatever it runs.
    """
    budgets = dict(budgets or {})
    for path in [paths.io, *paths.io.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    read_fd, write_fd = os.pipe()
    command = None
    try:
        command = backend.command(paths, limits)
        child_limits = dict(limits.for_child(), cpu_seconds=_cpu_seconds(limits, groups, budgets, deadline))
        plan = dict(plan, result_fd=write_fd, submission=command.submission, io=command.io,
                    site=command.site, uid=command.uid, limits=child_limits, **command.options)
        plan_file = paths.io / "plan.json"
        plan_file.write_text(json.dumps(plan))
        plan_file.chmod(0o644)
        clocks = _Clocks({STARTUP: limits.startup_timeout, **budgets}, limits.timeout, deadline)
        started = time.perf_counter()
        proc = subprocess.Popen(
            command.argv, cwd=command.cwd, env=command.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd, *command.fds),
            start_new_session=True)
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
        for fd in command.fds if command is not None else ():
            os.close(fd)

    pipes = _Pipes(read_fd, proc.stdout.fileno(), limits, clocks, groups, on_overflow=lambda: _kill(proc))
    expired = None
    try:
        while proc.poll() is None:
            if groups and pipes.next_start >= len(groups):
                break  # every result is in: whatever the child still does (atexit, threads) is moot
            when, clock = clocks.deadline()
            remaining = when - time.monotonic()
            if remaining <= 0:
                expired = clock
                break
            if not pipes.pump(min(remaining, _POLL)):
                try:
                    proc.wait(timeout=min(remaining, _POLL))  # both pipes closed by the child
                except subprocess.TimeoutExpired:
                    pass
    finally:
        _kill(proc)  # the child if it is still running, and anything left in its process group
        proc.wait()
        spent = clocks.stop()
        backend.cleanup(command)  # e.g. processes that left the process group (direct backend)
        grace = time.monotonic() + _GRACE
        while pipes.pump(max(0.0, min(_POLL, grace - time.monotonic()))) and time.monotonic() < grace:
            pass
        pipes.close()
        os.close(read_fd)
        proc.stdout.close()
    seconds = time.perf_counter() - started
    notes = [f"the result stream stayed open {_GRACE:g} s after the child ended"] if pipes.open else []
    return ChildRun(
        frames=pipes.frames, stream_error=pipes.stream_error(), returncode=proc.returncode,
        timed_out=expired is not None, overflowed=pipes.overflowed,
        console=bytes(pipes.console).decode("utf-8", errors="replace"),
        console_bytes=pipes.console_total, seconds=seconds, backend=backend.name,
        notes=notes, expired=expired, spent=spent)
