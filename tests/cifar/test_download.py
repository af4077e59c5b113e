"""download_cifar10 against a local HTTP server and file URLs: success, idempotence, failures.

Every failure must raise DataError (or UsageError for bad arguments) and leave
the download folder exactly as it was.
"""

import os
import tarfile

import numpy as np
import pytest

from nndl_hw4.cifar import (BATCH_FILES, DIRNAME, OFFICIAL_FILE_MD5S, OFFICIAL_MD5, OFFICIAL_URL,
                            download_cifar10, md5_file, write_cifar10)
from nndl_hw4.cifar import download as download_module
from nndl_hw4.cifar.checksums import MARKER_FILE, read_marker
from nndl_hw4.errors import DataError, UsageError
from nndl_hw4.reference.utils.data_utils import get_CIFAR10_data

from .helpers import PER_BATCH, TEST, tree

ROUTE = "/cifar-10-python.tar.gz"


@pytest.fixture
def served(server, tarball):
    """(url, md5) of the tiny archive on the local server."""
    _, md5, body = tarball
    server.routes[ROUTE] = body
    return server.url(ROUTE), md5


def _assert_installed(data_dir, md5):
    folder = data_dir / DIRNAME
    assert sorted(os.listdir(data_dir)) == [DIRNAME]  # no temporary file or folder
    assert set(BATCH_FILES) <= set(os.listdir(folder))
    assert read_marker(folder)["archive_md5"] == md5
    data = get_CIFAR10_data(num_training=90, num_validation=10, num_test=TEST,
                            cifar10_dir=str(data_dir))
    assert data["X_train"].shape == (90, 3, 32, 32) and data["X_test"].shape == (TEST, 3, 32, 32)


def test_spec_checksums():
    """Spec section 6, copied by hand: guards against a typo in checksums.py."""
    assert OFFICIAL_URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert OFFICIAL_MD5 == "c58f30108f718f92721af3b95e74349a"
    assert OFFICIAL_FILE_MD5S == {
        "data_batch_1": "c99cafc152244af753f735de768cd75f",
        "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
        "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
        "data_batch_4": "634d18415352ddfa80567beed471001a",
        "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
        "test_batch": "40351d587109b95175f43aff81a1287e",
    }


def test_download_verify_install_then_no_second_request_then_force(server, served, data_dir):
    url, md5 = served
    path = download_cifar10(data_dir, url=url, md5=md5, progress=False)
    assert path == str(data_dir / DIRNAME)
    assert server.requests == [ROUTE]
    _assert_installed(data_dir, md5)
    marker = read_marker(data_dir / DIRNAME)
    assert marker["files"]["data_batch_1"] == md5_file(data_dir / DIRNAME / "data_batch_1")

    assert download_cifar10(data_dir, url=url, md5=md5, progress=False) == path
    assert server.requests == [ROUTE]  # idempotent: verified copy re-hashed, not fetched

    assert download_cifar10(data_dir, url=url, md5=md5, force=True, progress=False) == path
    assert server.requests == [ROUTE, ROUTE]
    _assert_installed(data_dir, md5)


def test_creates_the_folder_and_shows_progress(served, tmp_path, capsys):
    url, md5 = served
    target = tmp_path / "new" / "deeper"
    download_cifar10(target, url=url, md5=md5, progress=True)
    _assert_installed(target, md5)
    err = capsys.readouterr().err
    assert "Downloading" in err and f"Verified (md5 {md5})" in err


@pytest.mark.parametrize("as_uri", [pytest.param(True, id="file-url"),
                                    pytest.param(False, id="plain-path")])
def test_local_archive(tarball, data_dir, as_uri):
    path, md5, _ = tarball
    download_cifar10(data_dir, url=path.as_uri() if as_uri else str(path), md5=md5,
                     progress=False)
    _assert_installed(data_dir, md5)


def test_corrupted_download_is_rejected_and_removed(server, tarball, data_dir):
    _, md5, body = tarball
    corrupt = bytearray(body)
    corrupt[len(corrupt) // 2] ^= 0xFF
    server.routes[ROUTE] = bytes(corrupt)
    with pytest.raises(DataError, match=f"checksum mismatch for .*{ROUTE}: expected md5 {md5}"):
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5, progress=False)
    assert tree(data_dir) == []


@pytest.mark.parametrize("status", [pytest.param(404, id="not-found"),
                                    pytest.param(500, id="server-error")])
def test_http_error(server, data_dir, status):
    server.routes[ROUTE] = status
    url = server.url(ROUTE)
    with pytest.raises(DataError, match=f"could not download {url}: HTTP {status}") as info:
        download_cifar10(data_dir, url=url, md5=OFFICIAL_MD5, progress=False)
    assert "--url" in info.value.hint and "mirror" in info.value.hint
    assert tree(data_dir) == []


def test_connection_refused(refused_url, data_dir):
    with pytest.raises(DataError, match=f"could not download {refused_url}") as info:
        download_cifar10(data_dir, url=refused_url, progress=False)
    assert "--url" in info.value.hint
    assert tree(data_dir) == []


def test_interrupted_transfer(server, tarball, data_dir):
    _, md5, body = tarball
    server.routes[ROUTE] = ("truncate", body)
    with pytest.raises(DataError, match=f"interrupted after {len(body) // 2} of {len(body)} bytes"):
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5, progress=False)
    assert tree(data_dir) == []


def test_stalled_server(server, data_dir, monkeypatch):
    monkeypatch.setattr(download_module, "TIMEOUT", 0.1)
    server.routes[ROUTE] = ("stall", 0.5)
    with pytest.raises(DataError, match=f"download of {server.url(ROUTE)} failed: .*timed out"):
        download_cifar10(data_dir, url=server.url(ROUTE), progress=False)
    assert tree(data_dir) == []


def test_missing_local_file(tmp_path, data_dir):
    url = (tmp_path / "nowhere.tar.gz").as_uri()
    with pytest.raises(DataError, match=f"could not download {url}"):
        download_cifar10(data_dir, url=url, progress=False)
    assert tree(data_dir) == []


def test_a_folder_made_for_a_failed_download_is_removed(refused_url, tmp_path):
    with pytest.raises(DataError):
        download_cifar10(tmp_path / "made" / "here", url=refused_url, progress=False)
    assert tree(tmp_path) == ["made"]  # only the parent that makedirs needed; "here" is gone


def test_ctrl_c_during_download_leaves_nothing(served, data_dir, monkeypatch):
    url, md5 = served

    def interrupted(out, chunk):
        raise KeyboardInterrupt

    monkeypatch.setattr(download_module, "_write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        download_cifar10(data_dir, url=url, md5=md5, progress=False)
    assert tree(data_dir) == []


def test_a_failed_forced_download_keeps_the_verified_copy(server, served, data_dir):
    url, md5 = served
    download_cifar10(data_dir, url=url, md5=md5, progress=False)
    before = tree(data_dir)
    server.routes[ROUTE] = 500
    with pytest.raises(DataError):
        download_cifar10(data_dir, url=url, md5=md5, force=True, progress=False)
    assert tree(data_dir) == before
    _assert_installed(data_dir, md5)


def test_a_modified_copy_is_reported_not_silently_used(server, served, data_dir):
    url, md5 = served
    download_cifar10(data_dir, url=url, md5=md5, progress=False)
    (data_dir / DIRNAME / "data_batch_3").write_bytes(b"tampered")
    with pytest.raises(DataError, match="data_batch_3") as info:
        download_cifar10(data_dir, url=url, md5=md5, progress=False)
    assert "--force" in info.value.hint
    assert len(server.requests) == 1
    download_cifar10(data_dir, url=url, md5=md5, force=True, progress=False)
    _assert_installed(data_dir, md5)


def test_an_unverified_folder_is_not_overwritten(server, served, data_dir):
    url, md5 = served
    write_cifar10(data_dir, per_batch=10, test=10, seed=1)
    before = md5_file(data_dir / DIRNAME / "data_batch_1")
    with pytest.raises(DataError, match="already exists and holds files that were not verified"):
        download_cifar10(data_dir, url=url, md5=md5, progress=False)
    assert server.requests == []
    assert md5_file(data_dir / DIRNAME / "data_batch_1") == before
    download_cifar10(data_dir, url=url, md5=md5, force=True, progress=False)
    _assert_installed(data_dir, md5)


def test_a_copy_of_another_archive_is_not_mistaken_for_this_one(served, data_dir):
    url, md5 = served
    download_cifar10(data_dir, url=url, md5=md5, progress=False)
    with pytest.raises(DataError, match=f"a copy of another archive \\(md5 {md5}\\)"):
        download_cifar10(data_dir, progress=False)  # the official archive by default


@pytest.fixture
def pretend_official(monkeypatch, tarball, generated):
    """Make the tiny archive 'official': its md5 and its files' md5s become the published ones."""
    _, md5, _ = tarball
    files = {name: md5_file(generated / DIRNAME / name) for name in BATCH_FILES}
    monkeypatch.setattr(download_module, "OFFICIAL_MD5", md5)
    monkeypatch.setattr(download_module, "OFFICIAL_FILE_MD5S", files)
    return files


def test_official_archive_gets_its_files_checked(served, data_dir, pretend_official):
    url, md5 = served
    download_cifar10(data_dir, url=url, md5=md5, progress=False)
    _assert_installed(data_dir, md5)
    assert {k: v for k, v in read_marker(data_dir / DIRNAME)["files"].items()
            if k in pretend_official} == pretend_official


def test_official_archive_with_a_bad_batch_is_rejected(served, data_dir, pretend_official):
    url, md5 = served
    pretend_official["test_batch"] = "0" * 32
    with pytest.raises(DataError, match="test_batch from .* do not match the published"):
        download_cifar10(data_dir, url=url, md5=md5, progress=False)
    assert tree(data_dir) == []


def test_a_hand_unpacked_official_copy_is_used_without_a_request(server, served, data_dir,
                                                                 generated, pretend_official):
    url, md5 = served
    write_cifar10(data_dir, per_batch=PER_BATCH, test=TEST, seed=7)  # same bytes as `generated`
    assert download_cifar10(data_dir, url=url, md5=md5, progress=False) == str(data_dir / DIRNAME)
    assert server.requests == []
    assert not (data_dir / DIRNAME / MARKER_FILE).exists()  # a user's folder is left as it was


def test_an_archive_without_the_batches_is_rejected(server, make_archive, data_dir):
    info = tarfile.TarInfo(f"{DIRNAME}/readme.html")
    path, md5 = make_archive("readme-only", [(info, b"<html></html>")], include_data=False)
    server.routes[ROUTE] = path.read_bytes()
    with pytest.raises(DataError, match="lacks cifar-10-batches-py/data_batch_1"):
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5, progress=False)
    assert tree(data_dir) == []


def test_a_file_that_is_not_a_tarball_is_rejected(server, tmp_path, data_dir):
    body = np.random.RandomState(0).bytes(5000)
    (tmp_path / "junk").write_bytes(body)
    server.routes[ROUTE] = body
    with pytest.raises(DataError, match="not a readable gzip tar archive"):
        download_cifar10(data_dir, url=server.url(ROUTE), md5=md5_file(tmp_path / "junk"),
                         progress=False)
    assert tree(data_dir) == []


@pytest.mark.parametrize("kwargs, message", [
    pytest.param({"md5": "abc"}, "not an md5 checksum", id="short-md5"),
    pytest.param({"md5": None}, "not an md5 checksum", id="no-md5"),
    pytest.param({"url": "ftp://example.org/c.tar.gz"}, "only http://, https:// and file://",
                 id="ftp-url"),
])
def test_bad_arguments_are_usage_errors(tmp_path, kwargs, message):
    with pytest.raises(UsageError, match=message) as info:
        download_cifar10(tmp_path / "d", progress=False, **kwargs)
    assert info.value.exit_code == 2
    assert tree(tmp_path) == []


def test_md5_is_case_insensitive(tarball, data_dir):
    path, md5, _ = tarball
    download_cifar10(data_dir, url=str(path), md5=md5.upper(), progress=False)
    _assert_installed(data_dir, md5)
