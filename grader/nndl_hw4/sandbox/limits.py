"""The limits every sandboxed child runs under (instructor-tunable)."""

from dataclasses import asdict, dataclass

MiB = 1 << 20
GiB = 1 << 30


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0            # wall-clock seconds per child (one check group)
    memory_bytes: int = 2 * GiB      # RLIMIT_AS of the child
    processes: int = 8               # RLIMIT_NPROC of the sandbox uid (threads count too)
    file_bytes: int = 64 * MiB       # RLIMIT_FSIZE: largest file the child may write
    open_files: int = 256            # RLIMIT_NOFILE
    scratch_bytes: int = 64 * MiB    # size of each writable tmpfs (bubblewrap only)
    output_bytes: int = 64 * MiB     # the result stream is cut (and the child killed) past this
    console_bytes: int = 16 * 1024   # how much of the child's stdout/stderr is kept

    def for_child(self):
        """The part of the limits the harness applies to itself (see child/harness.py)."""
        return {
            "memory_bytes": self.memory_bytes,
            "processes": self.processes,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            # CPU time is a backstop behind the wall-clock timeout.
            "cpu_seconds": int(self.timeout) + 5,
        }

    def as_dict(self):
        return asdict(self)
