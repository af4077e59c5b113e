"""Malicious archives: each carries the real files plus one attack, served with its own md5
(so the checksum passes and extraction is what stops it), through the real download code.

``test_the_attacks_are_real`` extracts each archive naively (tarfile's fully_trusted
filter, inside tmp_path) and shows it does reach outside: the safe path is what differs.
"""

import os
import re
import tarfile

import pytest

from nndl_hw4.cifar import DIRNAME, download_cifar10, md5_file
from nndl_hw4.cifar import extract
from nndl_hw4.cifar.extract import check_members
from nndl_hw4.errors import DataError

from .helpers import tree

ROUTE = "/evil.tar.gz"
VICTIM = b"the victim's original content\n"


@pytest.fixture(params=[pytest.param(True, id="data-filter"),
                        pytest.param(False, id="no-filter")])
def filters(request, monkeypatch):
    """Run with tarfile's 'data' filter, and as on a Python whose tarfile has none."""
    monkeypatch.setattr(extract, "_HAS_FILTERS", request.param)
    return request.param


@pytest.fixture
def outside(tmp_path):
    """A folder beside the download folder, holding a file an attack would overwrite."""
    path = tmp_path / "outside"
    path.mkdir()
    (path / "victim").write_bytes(VICTIM)
    return path


def _info(name, type_=tarfile.REGTYPE, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = type_, linkname
    return info


def _attack(kind, outside):
    """(extra members, reason in the message) of one attack on the folder outside."""
    inner = f"{DIRNAME}/"
    up = "../" * 40 + str(outside).lstrip("/")  # outside, from any depth: extra '..' stop at /
    if kind == "absolute-path":
        return [(_info(str(outside / "evil")), b"pwned")], "absolute path"
    if kind == "dotdot-traversal":
        return [(_info(f"{inner}{up}/evil"), b"pwned")], "climbs out with '..'"
    if kind == "symlink-outside":
        return [(_info(inner + "link", tarfile.SYMTYPE, str(outside)), None),
                (_info(inner + "link/evil"), b"pwned")], "symbolic link pointing outside"
    if kind == "relative-symlink-outside":
        return [(_info(inner + "link", tarfile.SYMTYPE, up), None),
                (_info(inner + "link/evil"), b"pwned")], "symbolic link pointing outside"
    if kind == "hardlink-outside":
        # link to the victim, then write through the link
        return [(_info(inner + "hard", tarfile.LNKTYPE, str(outside / "victim")), None),
                (_info(inner + "hard"), b"pwned")], "hard link pointing outside"
    raise ValueError(kind)


ATTACKS = ["absolute-path", "dotdot-traversal", "symlink-outside", "relative-symlink-outside",
           "hardlink-outside"]


def _untouched(outside):
    return sorted(os.listdir(outside)) == ["victim"] and (outside / "victim").read_bytes() == VICTIM


@pytest.mark.parametrize("kind", ATTACKS)
# Python 3.12+ warns when extracting without a filter: the situation no-filter imitates.
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_malicious_archive_is_refused_and_nothing_is_written(kind, outside, make_archive, server,
                                                             data_dir, filters):
    extra, reason = _attack(kind, outside)
    path, md5 = make_archive(kind, extra)
    server.routes[ROUTE] = path.read_bytes()
    with pytest.raises(DataError, match=f"is unsafe \\(.*{re.escape(reason)}") as info:
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5, progress=False)
    assert "not the CIFAR-10 archive" in info.value.hint
    assert tree(data_dir) == []     # nothing inside, not even the real files
    assert _untouched(outside)      # nothing outside


@pytest.mark.parametrize("kind", ATTACKS)
def test_the_attacks_are_real(kind, outside, make_archive, tmp_path):
    """Extracted without checks, each attack writes outside or changes the victim."""
    extra, _ = _attack(kind, outside)
    path, _ = make_archive(kind, extra)
    naive = tmp_path / "data"
    naive.mkdir()
    with tarfile.open(path, "r:gz") as tar:
        if hasattr(tarfile, "fully_trusted_filter"):
            tar.extractall(naive, filter="fully_trusted")
        else:
            tar.extractall(naive)
    assert not _untouched(outside)


@pytest.mark.parametrize("info, reason", [
    pytest.param(_info(f"{DIRNAME}/tty", tarfile.CHRTYPE), "device file", id="char-device"),
    pytest.param(_info(f"{DIRNAME}/disk", tarfile.BLKTYPE), "device file", id="block-device"),
    pytest.param(_info(f"{DIRNAME}/pipe", tarfile.FIFOTYPE), "fifo", id="fifo"),
    pytest.param(_info(f"{DIRNAME}/inner", tarfile.SYMTYPE, "data_batch_1"),
                 "holds only files and folders", id="symlink-inside"),
    pytest.param(_info("C:/Windows/evil"), "absolute path", id="windows-drive"),
])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_special_members_are_refused(info, reason, make_archive, server, data_dir, filters):
    path, md5 = make_archive(info.name.replace("/", "_"), [(info, None)])
    server.routes[ROUTE] = path.read_bytes()
    with pytest.raises(DataError, match=re.escape(reason)):
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5, progress=False)
    assert tree(data_dir) == []


def test_check_members_accepts_the_official_layout(tarball):
    path, _, _ = tarball
    with tarfile.open(path, "r:gz") as tar:
        check_members(tar.getmembers(), "cifar-10-python.tar.gz")  # no exception


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_extracted_files_get_sane_permissions_and_owner(tarball, data_dir, filters, monkeypatch,
                                                        tmp_path):
    """A setuid, world-writable member owned by someone else: no setuid, no group/other
    write bit, and ours (extraction runs as root on CI, where tarfile would chown)."""
    path = tmp_path / "odd-modes.tar.gz"
    with tarfile.open(tarball[0], "r:gz") as src, tarfile.open(path, "w:gz") as dst:
        for member in src.getmembers():
            if member.isreg():
                member.mode, member.uid, member.uname = 0o4777, 4242, "mallory"
            dst.addfile(member, src.extractfile(member) if member.isreg() else None)
    download_cifar10(data_dir, url=str(path), md5=md5_file(path), progress=False)
    st = os.stat(data_dir / DIRNAME / "data_batch_1")
    assert st.st_mode & 0o7022 == 0
    assert st.st_uid == os.getuid()
