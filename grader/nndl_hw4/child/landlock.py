"""Landlock for the sandboxed child: the files it may read or write, no TCP, scoped signals.

Landlock (Linux >= 5.13) lets an unprivileged process restrict itself, for
good and for every process it starts: no root, no namespaces, no helper. The
harness calls ``restrict`` before any student code is imported (after the uid
switch and the rlimits, beside the seccomp filter), with the rules the grader
computed for the backend (``nndl_hw4.sandbox.landlock``). What is not granted
is denied: the grader, the reference, other submissions, home folders, other
processes' /proc entries.

Written against the kernel's own description, not a binding: the uapi header
``include/uapi/linux/landlock.h`` and Documentation/userspace-api/landlock.rst
(https://docs.kernel.org/userspace-api/landlock.html). The ABI table below
is that document's "Previous limitations" section; ``restrict`` follows its
"best-effort" example: ask the kernel for its ABI and drop, right by right,
what that ABI does not know. The PyPI bindings were judged not mature enough
(docs/sandbox.md). Standard library only: the harness imports this under
``python -I -S``.

Landlock restricts the calling THREAD (and what it starts later): call
``restrict`` while the process has one thread (before numpy starts BLAS).
"""

import ctypes
import os
import stat

# asm-generic/unistd.h: the same numbers on every architecture (Linux 5.13+).
SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1 << 0
RULE_PATH_BENEATH = 1

# Filesystem access rights (LANDLOCK_ACCESS_FS_*) and the ABI that introduced each.
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER = 1 << 13        # ABI 2 (Linux 5.19): link/rename across folders (always denied under ABI 1)
TRUNCATE = 1 << 14     # ABI 3 (Linux 6.2)
IOCTL_DEV = 1 << 15    # ABI 5 (Linux 6.10): ioctl on character/block devices
# Network (LANDLOCK_ACCESS_NET_*): ABI 4 (Linux 6.7). TCP only: UDP is not covered.
BIND_TCP, CONNECT_TCP = 1 << 0, 1 << 1
# Scopes (LANDLOCK_SCOPE_*): ABI 6 (Linux 6.12): no connecting to abstract unix sockets
# and no signals to processes outside the sandbox.
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
# ABI 7 (Linux 6.15) adds audit-log flags for restrict_self: nothing this module uses.

ABI_FS = {1: (1 << 13) - 1, 2: REFER, 3: TRUNCATE, 5: IOCTL_DEV}   # rights added by each ABI
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the only rights a non-folder takes

# What each kind of rule grants (the grader names kinds, the harness maps them here).
KINDS = {
    "read": READ_FILE | READ_DIR,                       # data: the submission, the io folder, packages
    "exec": READ_FILE | READ_DIR | EXECUTE,             # the system and Python (subprocesses may start)
    "list": READ_DIR,                                   # a folder whose entries are granted one by one
    "device": READ_FILE,                                # /dev/urandom, /dev/zero...
    "null": READ_FILE | WRITE_FILE | TRUNCATE,          # /dev/null (open(os.devnull, "w") truncates)
    "write": (1 << 16) - 1,                             # the scratch folders: everything (masked by ABI)
}


class _RulesetAttr(ctypes.Structure):
    # struct landlock_ruleset_attr; the kernel reads only `size` bytes of it, so older ABIs
    # get the first field alone (handled_access_net came with ABI 4, scoped with ABI 6).
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1   # struct landlock_path_beneath_attr is __attribute__((packed)): 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi():
    """The kernel's Landlock ABI version; 0 when Landlock is absent, disabled or filtered out."""
    result = _libc().syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                             ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(int(result), 0)


def handled(version):
    """(fs, net, scoped) rights that ABI `version` enforces: the best-effort degradation."""
    fs = 0
    for since, rights in ABI_FS.items():
        if version >= since:
            fs |= rights
    net = BIND_TCP | CONNECT_TCP if version >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0
    return fs, net, scoped


def protections(version):
    """What ABI `version` protects, for the run's header (empty below ABI 1)."""
    names = []
    if version >= 1:
        names.append("files")
    if version >= 4:
        names.append("TCP")
    if version >= 5:
        names.append("device ioctl")
    if version >= 6:
        names.append("signals and abstract unix sockets")
    return names


def restrict(rules, version=None):
    """Allow only `rules` ([kind, path] pairs, see KINDS) to this process from now on.

    Paths that do not exist (or that this process cannot reach) are skipped. Returns the ABI enforced; raises
    OSError if Landlock is unavailable or refuses (the caller must not go on).
    """
    version = abi() if version is None else version
    if version < 1:
        raise OSError("Landlock is not available on this kernel")
    fs, net, scoped = handled(version)
    libc = _libc()
    attr = _RulesetAttr(fs, net, scoped)
    size = 24 if version >= 6 else 16 if version >= 4 else 8
    ruleset = libc.syscall(ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr), ctypes.c_size_t(size),
                           ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for kind, path in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except (FileNotFoundError, PermissionError):
                continue   # missing, or unreachable for this uid anyway: nothing to grant
            try:
                allowed = KINDS[kind] & fs
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    allowed &= FILE_RIGHTS
                beneath = _PathBeneathAttr(allowed, fd)
                if libc.syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                                ctypes.byref(beneath), ctypes.c_uint32(0)) != 0:
                    raise OSError(ctypes.get_errno(), "landlock_add_rule failed for %s" % path)
            finally:
                os.close(fd)
        # Needs no_new_privs (seccomp.install sets it) or CAP_SYS_ADMIN.
        if libc.syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return version
