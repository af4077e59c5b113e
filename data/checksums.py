"""Checksums of CIFAR-10 (spec section 6) and the marker of a verified copy.

After a download is verified, ``download_cifar10`` writes a small JSON marker
into ``cifar-10-batches-py/`` holding the archive md5 and the md5 of every
file it checked. A later call re-hashes the files against the marker instead
of fetching 163 MB again.
"""

import hashlib
import json
import os

OFFICIAL_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5 = "c58f30108f718f92721af3b95e74349a"
OFFICIAL_FILE_MD5S = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
MARKER_FILE = ".nndl-hw4-verified.json"


def md5_file(path, chunk_size=1 << 20):
    """The md5 hex digest of the file at path."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mismatched_files(folder, expected):
    """Names in expected (name -> md5) whose file in folder is missing or differs."""
    bad = []
    for name, md5 in sorted(expected.items()):
        path = os.path.join(folder, name)
        if not os.path.isfile(path) or md5_file(path) != md5:
            bad.append(name)
    return bad


def write_marker(folder, archive_md5, files):
    """Record that folder was verified: the archive md5 and name -> md5 of its files."""
    with open(os.path.join(folder, MARKER_FILE), "w") as f:
        json.dump({"archive_md5": archive_md5, "files": files}, f, indent=1, sort_keys=True)
        f.write("\n")


def read_marker(folder):
    """The marker written by write_marker as a dict, or None if absent or unreadable."""
    try:
        with open(os.path.join(folder, MARKER_FILE)) as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    if (not isinstance(marker, dict) or not isinstance(marker.get("archive_md5"), str)
            or not isinstance(marker.get("files"), dict)):
        return None
    return marker
