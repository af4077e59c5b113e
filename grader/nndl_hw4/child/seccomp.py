"""A seccomp filter for the sandboxed child: no new namespaces, no mounts, no sockets, less kernel surface.

Without it, student code could exec a fresh Python (which is "dumpable"
again), create a user namespace, become root in it and mount a tmpfs with no
size limit: a way to exhaust the grading machine's memory that no rlimit
covers. The filter (inherited by every process the child starts) makes
these system calls fail with EPERM:

- ``unshare``, ``setns`` and ``clone`` with any CLONE_NEW* flag; ``clone3``
  fails with ENOSYS, so the C library falls back to ``clone`` (threads,
  fork and subprocess keep working);
- mounting (``mount``, ``umount2``, ``pivot_root``, ``chroot``, the new mount API);
- ``socket`` and ``socketpair`` of every family: no network (TCP, UDP, raw, netlink...)
  even where Landlock has no TCP rules, and no unix sockets either (nothing the
  homework, numpy, matplotlib or IPython.display does needs one; measured);
- kernel facilities a numpy homework never needs (``bpf``, ``keyctl``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring_setup``, ``ptrace``,
  module loading, ``kexec``, ``open_by_handle_at``...).

System calls of another ABI (i386 or x32 on x86_64) kill the process.
Only x86_64 and aarch64 are known here; elsewhere ``install`` does nothing
and says so.
"""

import ctypes
import platform
import struct

EPERM, ENOSYS = 1, 38
CLONE_NEW_FLAGS = 0x7E020000   # NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET

# machine: (AUDIT_ARCH_*, {name: number}, x32 bit or None)
ARCHES = {
    "x86_64": (0xC000003E, {
        "unshare": 272, "setns": 308, "clone": 56, "clone3": 435, "mount": 165, "umount2": 166,
        "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "bpf": 321,
        "keyctl": 250, "add_key": 248, "request_key": 249, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "ptrace": 101, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "kexec_load": 246, "kexec_file_load": 320, "open_by_handle_at": 304,
        "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "quotactl": 179,
        "socket": 41, "socketpair": 53}, 0x40000000),
    "aarch64": (0xC00000B7, {
        "unshare": 97, "setns": 268, "clone": 220, "clone3": 435, "mount": 40, "umount2": 39,
        "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "bpf": 280,
        "keyctl": 219, "add_key": 217, "request_key": 218, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "ptrace": 117, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "kexec_load": 104, "kexec_file_load": 294, "open_by_handle_at": 265,
        "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89, "quotactl": 60,
        "socket": 198, "socketpair": 199}, None),
}

_LD_W_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_NR, _ARCH, _ARG0 = 0, 4, 16   # offsets in struct seccomp_data (arg0's low half: little-endian)
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2


def _op(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k)


SOCKETS = ("socket", "socketpair")


def program(machine, deny_sockets=True):
    """The filter as raw BPF bytes for `machine` (platform.machine()), or None if unknown.

    deny_sockets=False keeps socket() open (for the kit's tests, which prove
    what the ban stops, and for the launcher that imitates a container).
    """
    if machine not in ARCHES:
        return None
    audit_arch, numbers, x32 = ARCHES[machine]
    ops = [_op(_LD_W_ABS, _ARCH), _op(_JEQ, audit_arch, 1, 0), _op(_RET, _KILL_PROCESS),
           _op(_LD_W_ABS, _NR)]
    if x32 is not None:
        ops += [_op(_JGE, x32, 0, 1), _op(_RET, _KILL_PROCESS)]
    ops += [_op(_JEQ, numbers["clone3"], 0, 1), _op(_RET, _ERRNO | ENOSYS)]
    for name, number in numbers.items():
        if name not in ("clone", "clone3") and (deny_sockets or name not in SOCKETS):
            ops += [_op(_JEQ, number, 0, 1), _op(_RET, _ERRNO | EPERM)]
    ops += [_op(_JEQ, numbers["clone"], 0, 4), _op(_LD_W_ABS, _ARG0),
            _op(_JSET, CLONE_NEW_FLAGS, 0, 1), _op(_RET, _ERRNO | EPERM), _op(_RET, _ALLOW),
            _op(_RET, _ALLOW)]
    return b"".join(ops)


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(deny_sockets=True):
    """Install the filter on this process (and all it will start); False if the machine is unknown."""
    code = program(platform.machine(), deny_sockets)
    if code is None:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _Program(len(code) // 8, ctypes.addressof(buffer))
    args = [ctypes.c_ulong(0)] * 3
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), *args) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, ctypes.c_ulong(SECCOMP_MODE_FILTER), ctypes.byref(prog), *args[:2]) != 0:
        raise OSError(ctypes.get_errno(), "installing the seccomp filter failed")
    return True
