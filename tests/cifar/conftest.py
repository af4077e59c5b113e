"""Fixtures for the CIFAR-10 tools: small generated data, archives, a local HTTP server."""

import io
import socket
import tarfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nndl_hw4.cifar import DIRNAME, make_cifar10_tarball, md5_file, write_cifar10

from .helpers import PER_BATCH, TEST


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Requests to 127.0.0.1 must not go through a proxy set in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """A folder holding a tiny generated cifar-10-batches-py (read-only use)."""
    root = tmp_path_factory.mktemp("generated")
    write_cifar10(root, per_batch=PER_BATCH, test=TEST, seed=7)
    return root


@pytest.fixture(scope="session")
def tarball(tmp_path_factory):
    """(path, md5, bytes) of a tiny archive packed like cifar-10-python.tar.gz."""
    path = tmp_path_factory.mktemp("tarball") / "cifar-10-python.tar.gz"
    md5 = make_cifar10_tarball(path, per_batch=PER_BATCH, test=TEST, seed=7)
    return path, md5, path.read_bytes()


@pytest.fixture
def make_archive(tmp_path, generated):
    """make_archive(name, extra) -> (path, md5): the tiny data set plus extra members.

    extra is a list of (TarInfo, bytes or None) appended after the real files,
    so an extractor that writes as it reads would already have written those.
    """
    def make(name, extra=(), include_data=True):
        path = tmp_path / f"{name}.tar.gz"
        with tarfile.open(path, "w:gz") as tar:
            if include_data:
                tar.add(generated / DIRNAME, arcname=DIRNAME)
            for info, payload in extra:
                if payload is not None:
                    info.size = len(payload)
                tar.addfile(info, io.BytesIO(payload) if payload is not None else None)
        return path, md5_file(path)
    return make


class _Server:
    """A local HTTP server: routes map a path to bytes (200), an int (that status),
    ("truncate", bytes) (announces all, sends half, hangs up) or ("stall", seconds)
    (headers, then silence)."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                state.requests.append(self.path)
                route = state.routes.get(self.path, 404)
                if isinstance(route, int):
                    self.send_error(route)
                    return
                kind, body = route if isinstance(route, tuple) else ("whole", route)
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", "1000" if kind == "stall" else str(len(body)))
                self.end_headers()
                if kind == "stall":
                    time.sleep(body)
                else:
                    self.wfile.write(body[:len(body) // 2] if kind == "truncate" else body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True,
                                       kwargs={"poll_interval": 0.02})  # quick shutdown

    def url(self, path):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"


@pytest.fixture
def server():
    srv = _Server()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()
        srv.thread.join()


@pytest.fixture
def refused_url():
    """An http URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/cifar-10-python.tar.gz"


@pytest.fixture
def data_dir(tmp_path):
    """An empty folder to download into."""
    path = tmp_path / "data"
    path.mkdir()
    return path

