"""Download, verify and install CIFAR-10 (python version) into ``DIR/cifar-10-batches-py``.

The order of work, and why:

1. An existing copy that was verified before (its marker matches the asked
   md5 and its files still hash as recorded) is used as is: no request.
2. The archive is streamed into a temporary folder inside DIR (same file
   system as the target, so the final rename is atomic) while its md5 is
   computed; a wrong md5 stops everything before extraction.
3. Members are checked, then extracted into that temporary folder
   (extract.py). For the official archive every batch is checked against the
   published per-file md5s too.
4. The folder is renamed into place, so DIR/cifar-10-batches-py is either the
   old state or a complete verified copy, never half of one. On any failure
   (Ctrl-C included) the temporary folder is removed, and DIR if this call made it.
"""

import hashlib
import http.client
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import nullcontext
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                           TransferSpeedColumn)

from nndl_hw4 import __version__
from nndl_hw4.errors import DataError, UsageError

from .batches import BATCH_FILES, DIRNAME, META_FILE
from .checksums import (OFFICIAL_FILE_MD5S, OFFICIAL_MD5, OFFICIAL_URL, md5_file,
                        mismatched_files, read_marker, write_marker)
from .extract import safe_extract

TIMEOUT = 60  # seconds without data before a download is given up
_CHUNK = 1 << 16
_MIRROR_HINT = ("check the network, or pass --url with a mirror or a local copy of "
                "cifar-10-python.tar.gz (a path or a file:// URL)")


def _normalise_url(url):
    """url itself for http(s)/file URLs; a file:// URL for a plain path."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme in ("http", "https", "file"):
        return url
    if scheme and len(scheme) > 1:
        raise UsageError(f"cannot download {url}: only http://, https:// and file:// URLs "
                         f"(or a plain path) are supported")
    return Path(url).expanduser().resolve().as_uri()


def _check_md5(md5):
    if not isinstance(md5, str) or not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
        raise UsageError(f"{md5!r} is not an md5 checksum (32 hexadecimal digits)",
                         hint=f"the official archive's md5 is {OFFICIAL_MD5}")
    return md5.lower()


def _say(console, text):
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _progress(console):
    return Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                    TransferSpeedColumn(), TimeRemainingColumn(), console=console)


def _write(out, chunk):
    try:
        out.write(chunk)
    except OSError as error:  # the disk, not the network: say so
        raise DataError(f"could not save the download: {error}",
                        hint="check that the folder is writable and has 200 MB free") from error


def _fetch(url, out, console):
    """Stream url into the open binary file out; return the md5 of what was received."""
    request = urllib.request.Request(url, headers={"User-Agent": f"nndl-hw4/{__version__}"})
    opener = urllib.request.build_opener()  # not urlopen's cached one: proxies read now
    digest = hashlib.md5()
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            received = 0
            with _progress(console) if console else nullcontext() as bar:
                task = bar.add_task("Downloading", total=total) if bar else None
                while chunk := response.read(_CHUNK):
                    _write(out, chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if bar:
                        bar.update(task, completed=received)
    except urllib.error.HTTPError as error:
        error.close()
        raise DataError(f"could not download {url}: HTTP {error.code} {error.reason}",
                        hint=_MIRROR_HINT) from error
    except urllib.error.URLError as error:
        raise DataError(f"could not download {url}: {error.reason}", hint=_MIRROR_HINT) from error
    except (http.client.HTTPException, OSError) as error:
        raise DataError(f"download of {url} failed: {error!r}", hint=_MIRROR_HINT) from error
    if total is not None and received != total:
        raise DataError(f"download of {url} was interrupted after {received} of {total} bytes",
                        hint="run the command again; " + _MIRROR_HINT)
    return digest.hexdigest()


def _existing_copy(target, md5):
    """True if target is a verified copy of the archive with this md5; DataError if it is not."""
    marker = read_marker(target)
    if marker is not None and marker["archive_md5"] == md5:
        changed = mismatched_files(target, marker["files"])
        if not changed:
            return True
        raise DataError(f"{target} was verified once, but these files are now missing or "
                        f"changed: {', '.join(changed)}",
                        hint="pass --force to download it again")
    if marker is None and md5 == OFFICIAL_MD5 and not mismatched_files(target, OFFICIAL_FILE_MD5S):
        return True  # unpacked by hand from the official archive: good as is
    what = (f"a copy of another archive (md5 {marker['archive_md5']})" if marker is not None
            else "files that were not verified against this archive")
    raise DataError(f"{target} already exists and holds {what}",
                    hint="pass --force to replace it, or choose another --dir")


def _verify_extracted(folder, url, md5):
    """Check the extracted folder; return name -> md5 of its files for the marker."""
    missing = [name for name in BATCH_FILES + (META_FILE,)
               if not os.path.isfile(os.path.join(folder, name))]
    if missing:
        raise DataError(f"the archive from {url} lacks {DIRNAME}/{', '.join(missing)}",
                        hint="this is not the CIFAR-10 python archive; check --url and --md5")
    files = {name: md5_file(os.path.join(folder, name)) for name in BATCH_FILES + (META_FILE,)}
    if md5 == OFFICIAL_MD5:
        bad = [name for name, expected in OFFICIAL_FILE_MD5S.items() if files[name] != expected]
        if bad:
            raise DataError(f"after extraction, {', '.join(bad)} from {url} do not match the "
                            f"published CIFAR-10 checksums",
                            hint="run the command again; if it fails again, that source serves a "
                                 "modified archive: use another --url")
    return files


def _fetch_and_unpack(url, md5, staging, console):
    """Download into staging, check the md5, extract and verify; return the batches folder."""
    archive = os.path.join(staging, "cifar-10-python.tar.gz.part")
    with open(archive, "wb") as out:
        got = _fetch(url, out, console)
    if got != md5:
        raise DataError(f"checksum mismatch for {url}: expected md5 {md5}, got {got}",
                        hint="the download is corrupt or not this archive: run again, or "
                             "pass the right --md5 for your copy")
    extracted = os.path.join(staging, "extracted")
    os.mkdir(extracted)
    with _progress(console) if console else nullcontext() as bar:
        task = bar.add_task("Extracting", total=None) if bar else None

        def report(done, total):
            bar.update(task, completed=done, total=total)
        safe_extract(archive, extracted, source=url, on_progress=report if bar else None)
    folder = os.path.join(extracted, DIRNAME)
    write_marker(folder, md5, _verify_extracted(folder, url, md5))
    return folder


def _install(folder, target, trash):
    """Rename folder to target; an existing target is first moved to trash."""
    if os.path.lexists(target):
        os.rename(target, trash)
    try:
        os.rename(folder, target)
    except OSError:
        if os.path.lexists(trash):
            os.rename(trash, target)
        raise


def download_cifar10(dir=".", url=OFFICIAL_URL, md5=OFFICIAL_MD5, force=False, progress=True):
    """
    Make DIR/cifar-10-batches-py a verified copy of the archive at url; return its path.

    Inputs:
    - dir: Folder to hold cifar-10-batches-py (created if missing).
    - url: http(s):// or file:// URL, or a local path, of cifar-10-python.tar.gz.
    - md5: Expected md5 of the archive (default: the official one).
    - force: Download again even if a verified copy is present, and replace it.
    - progress: Show progress bars and status lines (on stderr).

    Raises DataError (nothing left behind) if the download, checksum or
    extraction fails, and UsageError for a malformed url or md5.
    """
    md5 = _check_md5(md5)
    url = _normalise_url(os.fspath(url))
    dir = os.path.abspath(os.fspath(dir))
    target = os.path.join(dir, DIRNAME)
    console = Console(stderr=True) if progress else None
    if not force and os.path.lexists(target) and _existing_copy(target, md5):
        if console:
            _say(console, f"{target} is already a verified copy (md5 {md5}); nothing to do.")
        return target

    made_dir = not os.path.isdir(dir)
    staging = None
    try:
        os.makedirs(dir, exist_ok=True)
        # One temporary folder inside DIR holds the archive and its extraction:
        # same file system as the target (atomic rename), one thing to clean up.
        staging = tempfile.mkdtemp(prefix=".cifar-10-download-", dir=dir)
        folder = _fetch_and_unpack(url, md5, staging, console)
        _install(folder, target, os.path.join(staging, "replaced"))
    except OSError as error:
        raise DataError(f"could not write CIFAR-10 into {dir}: {error}",
                        hint="check that the folder is writable and has 200 MB free") from error
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if made_dir and os.path.isdir(dir) and not os.listdir(dir):
            os.rmdir(dir)
    if console:
        _say(console, f"Verified (md5 {md5}) and unpacked into {target}")
    return target
