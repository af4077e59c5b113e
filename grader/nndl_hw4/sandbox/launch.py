"""Run one sandboxed child: write its plan, start it, drain its pipes, enforce the timeouts.

The wall-clock timeout applies per check group: the clock restarts whenever
the child starts the first check of another group (the result stream is
parsed as it arrives), so one child can run every group of a submission and
pay for Python and numpy start-up once.
"""

import json
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from ..child import stream


@dataclass
class ChildRun:
    """What came back from one child, before any interpretation."""

    frames: list
    stream_error: str | None       # why the result stream stopped parsing early
    returncode: int | None
    timed_out: bool
    overflowed: bool                # the result stream exceeded Limits.output_bytes
    console: str                    # head of the child's stdout+stderr
    console_bytes: int              # how much it printed in total
    seconds: float
    backend: str = ""
    notes: list = field(default_factory=list)


class _Stream(threading.Thread):
    """Read the result stream as it arrives; note when each check group starts."""

    def __init__(self, fd, keep, groups, on_overflow):
        super().__init__(daemon=True)
        self.fd, self.keep, self.groups, self.on_overflow = fd, keep, groups, on_overflow
        self.buffer = bytearray()
        self.parsed_to = 0
        self.overflowed = False
        self.group = None
        self.group_started = time.monotonic()
        self.lock = threading.Lock()

    def _scan(self):
        while True:
            try:
                frame, self.parsed_to = stream.next_frame(self.buffer, self.parsed_to)
            except ValueError:
                return  # garbage: reported after the child ends
            if frame is None:
                return
            if frame.kind == "start":
                index = frame.header.get("index")
                group = self.groups[index] if isinstance(index, int) and 0 <= index < len(self.groups) else None
                if group != self.group:
                    with self.lock:
                        self.group, self.group_started = group, time.monotonic()

    def run(self):
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    return
                if len(self.buffer) + len(chunk) > self.keep:
                    self.overflowed = True
                    self.on_overflow()
                    return
                self.buffer += chunk
                self._scan()
        except OSError:
            return

    def deadline(self, timeout):
        with self.lock:
            return self.group_started + timeout


class _Drain(threading.Thread):
    """Read a pipe to EOF, keeping at most `keep` bytes; call on_overflow once past it."""

    def __init__(self, fd, keep, on_overflow=None):
        super().__init__(daemon=True)
        self.fd, self.keep, self.on_overflow = fd, keep, on_overflow
        self.chunks, self.kept, self.total, self.overflowed = [], 0, 0, False

    def run(self):
        try:
            while True:
                chunk = os.read(self.fd, 1 << 16)
                if not chunk:
                    return
                self.total += len(chunk)
                if self.kept < self.keep:
                    part = chunk[: self.keep - self.kept]
                    self.chunks.append(part)
                    self.kept += len(part)
                if self.total > self.keep and not self.overflowed:
                    self.overflowed = True
                    if self.on_overflow:
                        self.on_overflow()
        except OSError:
            return

    def data(self):
        return b"".join(self.chunks)


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_child(backend, paths, plan, limits, groups):
    """Start the harness in `backend` on the prepared `paths` with `plan` (a dict).

    groups[i] is the check group of plan check i (for the per-group timeout).
    """
    read_fd, write_fd = os.pipe()
    command = backend.command(paths, limits)
    plan = dict(plan, result_fd=write_fd, submission=command.submission, io=command.io,
                site=command.site, uid=command.uid, limits=limits.for_child())
    (paths.io / "plan.json").write_text(json.dumps(plan))
    for path in [paths.io, *paths.io.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)

    started = time.perf_counter()
    try:
        proc = subprocess.Popen(
            command.argv, cwd=command.cwd, env=command.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(write_fd,),
            start_new_session=True)
    finally:
        os.close(write_fd)

    results = _Stream(read_fd, limits.output_bytes, groups, on_overflow=lambda: _kill(proc))
    console = _Drain(proc.stdout.fileno(), limits.console_bytes)
    results.start()
    console.start()
    timed_out = False
    try:
        while True:
            remaining = results.deadline(limits.timeout) - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            try:
                proc.wait(timeout=remaining)
                break
            except subprocess.TimeoutExpired:
                continue  # the deadline may have moved: a new group started
    finally:
        _kill(proc)  # the child if it timed out, and anything left in its process group
        proc.wait()
    seconds = time.perf_counter() - started
    for drain in (results, console):
        drain.join(timeout=5)
    os.close(read_fd)
    proc.stdout.close()

    frames, error = stream.parse(bytes(results.buffer))
    return ChildRun(
        frames=frames, stream_error=error, returncode=proc.returncode,
        timed_out=timed_out, overflowed=results.overflowed,
        console=console.data().decode("utf-8", errors="replace"),
        console_bytes=console.total, seconds=seconds, backend=backend.name)
