"""Start a command the way a Docker-like grading container would: no namespaces, maybe no root.

    python tests/sandbox/container.py [--no-namespaces] [--no-landlock] [--uid UID] -- COMMAND...

Run as root. In order:

--uid UID       the command runs as UID (gid UID, no supplementary groups, no
                capabilities). If the Python installation lies under a folder
                others cannot enter (pyenv under /root, mode 0700), a private
                mount namespace first shows that installation alone there, so
                the unprivileged user can start Python and nothing else of
                /root becomes visible to it.
--no-namespaces a seccomp filter denies unshare, setns, clone with CLONE_NEW*
                and mounts, as Docker's default profile does for a container
                without CAP_SYS_ADMIN: bubblewrap cannot start, `auto` falls
                back to the direct backend (built from the kit's own filter,
                sockets left open).
--no-landlock   Landlock's system calls fail with ENOSYS, as on a kernel
                without Landlock (or behind an older container profile).

Run it with the kit's Python (it uses nndl_hw4.child.seccomp). The kit's
tests use it to grade where bubblewrap cannot run (test_walls.py).
"""

import ctypes
import os
import platform
import stat
import sys
import tempfile
from pathlib import Path

from nndl_hw4.child import seccomp

CLONE_NEWNS, MS_REC, MS_PRIVATE, MS_BIND, MNT_DETACH = 0x00020000, 1 << 14, 1 << 18, 4096, 2
LANDLOCK_CALLS = (444, 445, 446)   # landlock_create_ruleset, _add_rule, _restrict_self (every arch)


def _check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), what)


def _show_python_to_others(prefix):
    """In a private mount namespace, make `prefix` reachable for any uid (see the module docstring)."""
    closed = next((p for p in reversed(Path(prefix).parents) if not os.stat(p).st_mode & stat.S_IXOTH), None)
    if closed is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
    _check(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make / private")
    keep = tempfile.mkdtemp(prefix="container-python-")
    _check(libc.mount(prefix.encode(), keep.encode(), None, MS_BIND | MS_REC, None), "bind the installation aside")
    _check(libc.mount(b"tmpfs", str(closed).encode(), b"tmpfs", 0, b"mode=0755"), f"tmpfs over {closed}")
    os.makedirs(prefix, mode=0o755)
    for parent in Path(prefix).parents:
        if parent == closed:
            break
        os.chmod(parent, 0o755)
    _check(libc.mount(keep.encode(), prefix.encode(), None, MS_BIND | MS_REC, None), "bind the installation back")
    _check(libc.umount2(keep.encode(), MNT_DETACH), "unmount the aside copy")
    os.rmdir(keep)


def _deny_landlock():
    """A second seccomp filter: Landlock's calls fail with ENOSYS (the filters stack)."""
    op = seccomp._op   # (the kit's BPF encoder)
    ops = [op(seccomp._LD_W_ABS, seccomp._NR)]
    for number in LANDLOCK_CALLS:
        ops += [op(seccomp._JEQ, number, 0, 1), op(seccomp._RET, seccomp._ERRNO | seccomp.ENOSYS)]
    ops.append(op(seccomp._RET, seccomp._ALLOW))
    _load(b"".join(ops))


def _load(code):
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = seccomp._Program(len(code) // 8, ctypes.addressof(buffer))
    zero = [ctypes.c_ulong(0)] * 3
    _check(libc.prctl(seccomp.PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), *zero), "no_new_privs")
    _check(libc.prctl(seccomp.PR_SET_SECCOMP, ctypes.c_ulong(seccomp.SECCOMP_MODE_FILTER), ctypes.byref(prog),
                      *zero[:2]), "seccomp")


def main(argv):
    split = argv.index("--")
    options, command = argv[:split], argv[split + 1:]
    uid = int(options[options.index("--uid") + 1]) if "--uid" in options else None
    if os.getuid() != 0:
        sys.exit("container.py must start as root")
    if uid is not None:
        _show_python_to_others(os.path.realpath(sys.base_prefix))
    if "--no-namespaces" in options:
        _load(seccomp.program(platform.machine(), deny_sockets=False))
    if "--no-landlock" in options:
        _deny_landlock()
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)   # with no_new_privs set or not, no capability is left
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
