"""Extract a CIFAR-10 archive without trusting it.

Every member is checked before anything is written: no absolute names, no
``..``, no links (the real archive has none; a link is the usual way out of
the destination), no devices or fifos. On Pythons whose tarfile has
extraction filters, the ``data`` filter runs as well; on older ones the same
precautions (no owners, sane permissions) are applied by hand.
"""

import gzip
import os
import posixpath
import tarfile
import zlib

from nndl_hw4.errors import DataError

_HAS_FILTERS = hasattr(tarfile, "data_filter")  # 3.11.4+, 3.12+


def _reason_unsafe(member):
    """Why member must not be extracted, or None if it is safe."""
    name = member.name
    if not name or name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "it has an absolute path"
    if ".." in name.replace("\\", "/").split("/"):
        return "its path climbs out with '..'"
    if member.issym() or member.islnk():
        kind = "a symbolic link" if member.issym() else "a hard link"
        target = member.linkname
        base = posixpath.dirname(name) if member.issym() else ""
        resolved = posixpath.normpath(posixpath.join(base, target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            return f"it is {kind} pointing outside the archive (to {target!r})"
        return f"it is {kind} (to {target!r}); the CIFAR-10 archive holds only files and folders"
    if member.ischr() or member.isblk():
        return "it is a device file"
    if member.isfifo():
        return "it is a fifo"
    if not (member.isreg() or member.isdir()):
        return f"it has an unknown member type {member.type!r}"
    return None


def check_members(members, source):
    """Raise DataError naming the first unsafe member; source names the archive."""
    for member in members:
        reason = _reason_unsafe(member)
        if reason is not None:
            raise DataError(
                f"refusing to extract {source}: member {member.name!r} is unsafe ({reason})",
                hint="this is not the CIFAR-10 archive; check --url and --md5")


def _sanitise(member):
    """By hand what the 'data' filter does, for Pythons without filters."""
    member.uid, member.gid = os.getuid(), os.getgid()
    member.uname = member.gname = ""
    member.mode = (member.mode | 0o700) & (0o755 if member.isdir() else 0o644)
    return member


def safe_extract(archive, dest, source=None, on_progress=None):
    """
    Extract the gzip tar archive into the existing folder dest, after checking all members.

    source names the archive in messages (default: its path);
    on_progress(done_bytes, total_bytes) is called after each member is written.
    """
    source = source or archive
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            check_members(members, source)
            total = sum(member.size for member in members)
            done = 0
            for member in members:
                if _HAS_FILTERS:
                    tar.extract(member, dest, set_attrs=True, filter="data")
                else:
                    tar.extract(_sanitise(member), dest, set_attrs=True)
                done += member.size
                if on_progress is not None:
                    on_progress(done, total)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DataError(f"{source} is not a readable gzip tar archive ({error})",
                        hint="download it again with --force, or check --url") from error
