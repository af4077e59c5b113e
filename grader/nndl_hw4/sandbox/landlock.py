"""The Landlock rules of one child: exactly what it may read and write (child/landlock.py applies them).

Each rule is ``[kind, path]`` (kinds: ``child.landlock.KINDS``). Granted,
read-only: the system (/usr, /bin, /lib*: the interpreter's shared libraries
and the programs a subprocess may start), the Python installation, the
packages the notebooks import (``command.package_dirs``), the harness, the
io folder and the private copy of the submission, /etc/ld.so.cache and a few
device files; read-write: the scratch folder(s); and the child's own
/proc/self. Nothing else: not the grader package, the reference, the
fixtures, other submissions, home folders or other processes.

Under bubblewrap the paths are the sandbox's (its root holds nothing else
anyway: Landlock is a second wall). Under the direct backend they are host
paths, and a granted folder may hold a secret: the Python installation's own
site-packages (where ``pip install`` may have put the grader), or /usr when
Python lives there. Such a folder is split: its entries are granted one by
one, the secrets left out. The standard library's folder is then also granted
"list" (names, not contents, of what lies below), because Python's importer
lists it (docs/sandbox.md).
"""

import functools
import os
import sys
from pathlib import Path

from .. import reference as reference_package
from ..child import landlock as child_landlock

SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
GRADER_PACKAGE = Path(__file__).resolve().parents[1]
# /dev: /dev/null is written to (subprocess.DEVNULL, os.devnull); the rest only read
# (os.urandom falls back to /dev/urandom; numpy's and Python's seeding use getrandom()).
DEVICES = (("null", "/dev/null"), ("device", "/dev/zero"), ("device", "/dev/full"),
           ("device", "/dev/random"), ("device", "/dev/urandom"))
# The child's own /proc entry (the harness reads /proc/self/status; opened by the child
# itself, so it resolves to the child's pid): never another process's.
OWN_PROC = ("read", "/proc/self")


def available():
    """The kernel's Landlock ABI as this process sees it (0: none). The child inherits the same."""
    if not sys.platform.startswith("linux"):
        return 0
    return child_landlock.abi()


def _under(path, root):
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def secrets():
    """Host folders no child may read: site-packages, the venv, the grader and its reference."""
    from .bubblewrap import site_dirs    # (one definition of "every site-packages")

    found = set(site_dirs([sys.base_prefix, "/usr", sys.prefix]))
    if sys.prefix != sys.base_prefix:
        found.add(sys.prefix)
    found.add(str(GRADER_PACKAGE))
    for name in ("nndl", "utils"):    # solutions/nndl in a source checkout, nndl_hw4/reference/nndl in a wheel
        module = __import__(f"{reference_package.__name__}.{name}", fromlist=["_"])
        found |= {p for path in module.__path__ for p in (path, str(Path(path).parent))}
    return sorted({os.path.realpath(p) for p in found if os.path.exists(p)})


def _split(root, kind, hidden, listed):
    """Rules granting `root` minus the `hidden` folders beneath it (entries one by one)."""
    inside = [h for h in hidden if _under(h, root)]
    if not inside:
        return [[kind, root]]
    if root in inside:
        return []
    rules = [["list", root]] if root in listed else []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return rules
    for entry in entries:
        if entry.is_symlink():
            continue   # its target is granted (or not) where it lives
        rules += _split(entry.path, kind, inside, listed)
    return rules


@functools.lru_cache(maxsize=None)
def host_system_rules():
    """The direct backend's rules for the system and Python (same for every child: computed once)."""
    roots = []
    for top in (*SYSTEM, sys.base_prefix):
        real = os.path.realpath(top)
        if os.path.isdir(real) and not any(_under(real, r) for r in roots):
            roots = [r for r in roots if not _under(r, real)] + [real]
    stdlib = os.path.realpath(os.path.dirname(os.__file__))
    listed = {stdlib, os.path.join(stdlib, "lib-dynload")}
    hidden = secrets()
    rules = []
    for root in sorted(roots):
        rules += _split(root, "exec", hidden, listed)
    return tuple(tuple(r) for r in rules)


def direct_rules(submission, harness, io, site, scratch, packages, fonts=None):
    """Host rules for a direct child (harness/site hold symlinks: their targets are granted)."""
    rules = [list(r) for r in host_system_rules()]
    rules += [["read", "/etc/ld.so.cache"], *map(list, DEVICES), list(OWN_PROC)]
    rules += [["read", str(p)] for p in (submission, harness, os.path.realpath(harness / "hw4child"), io, site)]
    rules += [["read", str(p)] for p in [*packages, *([fonts] if fonts else [])]]
    rules.append(["write", str(scratch)])
    return rules


def bubblewrap_rules(roots, inside):
    """Rules for a bubblewrap child, in the sandbox's paths (`roots`: the read-only binds of /)."""
    rules = [["exec", r] for r in roots]
    rules += [["read", "/etc/ld.so.cache"], *map(list, DEVICES), list(OWN_PROC)]
    rules += [["read", str(inside / name)] for name in ("harness", "io", "site", "fonts", "submission")]
    rules += [["write", str(inside / "submission")], ["write", "/tmp"]]
    return rules
