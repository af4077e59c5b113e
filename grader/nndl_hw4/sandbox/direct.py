"""The direct fallback: a plain child process with rlimits (docs/sandbox.md says what it does NOT protect)."""

import functools
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import landlock as rules
from .command import Command, allocate_uid, child_env, harness_args, package_dirs, python_executable
from .fonts import for_child


@functools.lru_cache(maxsize=None)
def _root_can_drop(python):
    """Whether the harness, started as root, can switch to a throw-away uid here.

    It keeps CAP_DAC_READ_SEARCH (the interpreter may live under /root, which
    the new uid could not read otherwise) and drops everything else. Checked
    once per grader process with the harness's own self-test.
    """
    harness = Path(__file__).resolve().parents[1] / "child" / "harness.py"
    try:
        probe = subprocess.run([python, "-I", "-S", str(harness), "--self-test-drop", str(allocate_uid())],
                               capture_output=True, timeout=30, env=child_env("/"))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _processes_of(uid):
    """Pids of the live (not zombie) processes whose real uid is `uid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(entry))
    return found


WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


def sweep_uid(uid):
    """Kill every process of `uid` (also those that left the process group) and
    remove what it left at the top of the usual world-writable folders."""
    for _ in range(50):
        pids = _processes_of(uid)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.01)
    for top in WORLD_WRITABLE:
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                pass


class DirectBackend:
    """A plain child with rlimits (see docs/sandbox.md for what it does NOT protect).

    As root, the child runs as a throw-away uid (keeping only the right to
    read files), so the process cap applies, it cannot write outside
    world-writable folders, and every process and top-level /tmp entry of that
    uid is removed after the child.
    """

    name = "direct"
    isolates_filesystem = False

    def __init__(self, landlock=True, deny_sockets=True):
        """landlock / deny_sockets: the child's walls where the kernel has them (switching them off
        is for the kit's tests, which prove what each wall stops)."""
        self.landlock_abi = rules.available() if landlock else 0
        self.deny_sockets = deny_sockets

    def drops_privileges(self):
        return os.getuid() == 0 and _root_can_drop(python_executable())

    def command(self, paths, limits):
        python = python_executable()
        scratch = paths.io / "scratch"
        scratch.mkdir(mode=0o700, exist_ok=True)
        uid, options = None, {"deny_sockets": self.deny_sockets}
        if self.drops_privileges():
            uid = allocate_uid()
            os.chown(scratch, uid, uid)
            options["keep_read_access"] = True
        site_dir = paths.site if paths.site is not None else package_dirs()[0].parent
        fonts = for_child(paths.submission)
        if fonts is not None:
            options["font_cache"] = str(fonts)
        if self.landlock_abi:
            options["landlock"] = {"abi": self.landlock_abi, "rules": rules.direct_rules(
                paths.submission, paths.harness, paths.io, site_dir, scratch, package_dirs(), fonts)}
        return Command(
            argv=harness_args(python, str(paths.harness), str(paths.io)),
            cwd=str(paths.submission),
            env=child_env(str(scratch), str(scratch)),
            submission=str(paths.submission),
            io=str(paths.io),
            site=[str(site_dir)],
            uid=uid,
            options=options,
        )

    def cleanup(self, command):
        if command.uid is not None:
            sweep_uid(command.uid)
