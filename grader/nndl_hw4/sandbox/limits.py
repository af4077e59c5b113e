"""The limits every sandboxed child runs under (instructor-tunable).

Change them per run with ``Limits(timeout=..., ...)`` (the ``grade`` command
passes ``--timeout``); docs/sandbox.md says what each one protects.
"""

from dataclasses import asdict, dataclass

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0            # wall-clock seconds per check group
    startup_timeout: float = 30.0    # wall-clock seconds for Python + numpy to start (no student code yet)
    memory_bytes: int = 2 * GiB      # RLIMIT_AS of each process of the child
    processes: int = 4               # RLIMIT_NPROC of the sandbox uid (threads count too);
                                     # worst-case memory of one child is processes * memory_bytes
    file_bytes: int = 64 * MiB       # RLIMIT_FSIZE: largest file the child may write
    open_files: int = 256            # RLIMIT_NOFILE
    scratch_bytes: int = 64 * MiB    # size of each writable tmpfs (bubblewrap only)
    output_bytes: int = 64 * MiB     # the result stream is cut (and the child killed) past this
    console_bytes: int = 16 * 1024   # how much of the child's stdout/stderr is kept (instructors only)
    # Wall-clock seconds for ALL the children of one submission; None means
    # startup_timeout + (number of check groups) * timeout, which code that keeps
    # within every group's budget can never reach. Only submissions that time out
    # again and again (a loop in a helper every function calls) hit it.
    submission_timeout: float | None = None

    def for_child(self):
        """The part of the limits the harness applies to itself (see child/harness.py)."""
        return {
            "memory_bytes": self.memory_bytes,
            "processes": self.processes,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            # CPU time is a backstop behind the wall clocks; sandbox.launch raises it
            # to the child's whole budget when the child runs several groups.
            "cpu_seconds": int(self.timeout) + 5,
        }

    def total_timeout(self, groups):
        """The wall-clock budget of one submission that runs `groups` check groups."""
        if self.submission_timeout is not None:
            return float(self.submission_timeout)
        return self.startup_timeout + max(groups, 1) * self.timeout

    def as_dict(self):
        return asdict(self)
