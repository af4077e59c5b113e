"""The bubblewrap sandbox: namespaces, a minimal read-only root, tmpfs scratch (see docs/sandbox.md)."""

import functools
import os
import sys
from pathlib import Path

from . import landlock as rules
from .command import (Command, allocate_uid, child_env, harness_args, package_dirs, python_executable, site_dirs,
                      under)
from .fonts import for_child

INSIDE = Path("/sandbox")
_GRADER_PACKAGE = Path(__file__).resolve().parents[1]   # nndl_hw4: never visible to student code


@functools.lru_cache(maxsize=None)
def _static_binds(python):
    """(arguments, read-only roots): the bubblewrap arguments that are the same for every child (computed once)."""
    args = ["--ro-bind", "/usr", "/usr"]
    roots = ["/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
            roots.append(top)
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]

    prefix = os.path.realpath(sys.base_prefix)
    if not any(under(prefix, root) for root in roots):
        # bubblewrap makes missing parents 0700; the dropped uid must traverse them.
        for parent in reversed(list(Path(prefix).parents)[:-1]):
            args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", prefix, prefix]
        roots.append(prefix)
    # Hide every site-packages visible in there (the grader may be installed in
    # one) and the grader package itself, wherever it lives.
    candidates = site_dirs([prefix, "/usr", os.path.realpath(sys.prefix)]) | {str(_GRADER_PACKAGE)}
    real = sorted({os.path.realpath(c) for c in candidates if os.path.isdir(c)})
    real = [r for r in real if any(under(r, root) for root in roots)]
    for path in real:
        if not any(other != path and under(path, other) for other in real):
            args += ["--size", str(1 << 16), "--tmpfs", path, "--remount-ro", path]
    return tuple(args), tuple(roots)


class BubblewrapBackend:
    name = "bubblewrap"
    isolates_filesystem = True

    def __init__(self, bwrap, landlock=True, deny_sockets=True):
        """landlock / deny_sockets: the child's second walls (switching them off is for the kit's tests)."""
        self.bwrap = bwrap
        self.landlock_abi = rules.available() if landlock else 0
        self.deny_sockets = deny_sockets

    def command(self, paths, limits):
        python = python_executable()
        uid = allocate_uid() if os.getuid() == 0 else None
        scratch = str(limits.scratch_bytes)
        sub, harness, io, site_dir = (INSIDE / "submission", INSIDE / "harness",
                                      INSIDE / "io", INSIDE / "site")
        # As root, no user namespace: the harness must keep CAP_SETUID to drop to `uid`.
        # Unprivileged, bubblewrap needs one (and the uid stays the caller's).
        namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                      "--unshare-cgroup-try"]
        if uid is None:
            namespaces.append("--unshare-user")
        argv = [self.bwrap, *namespaces, "--die-with-parent", "--new-session", "--clearenv"]
        for key, value in child_env(str(sub)).items():
            argv += ["--setenv", key, value]
        static, roots = _static_binds(python)
        argv += static
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "1777", "--size", scratch, "--tmpfs", "/tmp",
                 "--perms", "0755", "--size", str(1 << 20), "--tmpfs", str(INSIDE)]
        # The submission folder itself is writable scratch (tmpfs, size-limited);
        # the student's modules and the trusted utils inside it are read-only.
        argv += ["--perms", "1777", "--size", scratch, "--tmpfs", str(sub)]
        for folder in (harness, io, site_dir):
            argv += ["--perms", "0755", "--dir", str(folder)]
        for entry in sorted(os.listdir(paths.submission)):
            argv += ["--ro-bind", str(paths.submission / entry), str(sub / entry)]
        # The harness package is bound straight from the grader's installation
        # (it holds nothing secret); the rest of the grader stays invisible.
        argv += ["--ro-bind", os.path.realpath(paths.harness / "hw4child"), str(harness / "hw4child"),
                 "--ro-bind", str(paths.io), str(io)]
        for folder in package_dirs():
            argv += ["--ro-bind", str(folder), str(site_dir / folder.name)]
        options = {"deny_sockets": self.deny_sockets}
        fonts = for_child(paths.submission)
        if fonts is not None:
            argv += ["--ro-bind", str(fonts), str(INSIDE / "fonts")]
            options["font_cache"] = str(INSIDE / "fonts")
        # The root, /dev and /sandbox are tmpfs owned by the child's uid when bubblewrap runs
        # unprivileged (the first two without a size limit): make them read-only.
        argv += ["--remount-ro", "/", "--remount-ro", "/dev", "--remount-ro", str(INSIDE), "--chdir", str(sub)]
        # Options go through a memfd (--args): /proc/1/cmdline inside then shows no host path.
        fd = os.memfd_create("bwrap-args", 0)
        os.write(fd, b"".join(a.encode() + b"\0" for a in argv[1:]))
        os.lseek(fd, 0, os.SEEK_SET)
        argv = [self.bwrap, "--args", str(fd), *harness_args(python, str(harness), str(io))]
        if self.landlock_abi:
            options["landlock"] = {"abi": self.landlock_abi, "rules": rules.bubblewrap_rules(roots, INSIDE)}
        return Command(argv=argv, cwd=str(paths.submission), env={}, submission=str(sub),
                       io=str(io), site=[str(site_dir)], uid=uid, options=options, fds=[fd])

    def cleanup(self, command):
        """Nothing to do: the child's pid namespace dies with it, its writable places are tmpfs."""
