"""Every attack in every sandbox configuration: what each wall stops (JSON, or a table).

    python tests/sandbox/walls.py [--configs "NAME;NAME..." | --all] [--table]

Grades one submission whose optim.py attacks at import: it reads the
reference, the grader, another submission and other processes' /proc
entries, writes outside its folder, opens TCP and UDP sockets and an
abstract unix socket to listeners this process runs on 127.0.0.1, and
signals the grader. Each configuration of CONFIGS grades it once; the output
is, per configuration, what each attack achieved as the child saw it
(``read``, ``written``, ``connected``... or the errno) and what the host saw
(connections and datagrams received, files left behind).

test_walls.py runs it as root and, through container.py, as an unprivileged
uid, and asserts the expected table. The grader's own environment holds the
secret of $NNDL_HW4_FAKE_SECRET when the caller sets it.
"""

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import helpers  # noqa: E402  (tests/sandbox/helpers.py, imported as a plain module here)

import nndl_hw4  # noqa: E402
from nndl_hw4.checks import all_checks  # noqa: E402
from nndl_hw4.reference import nndl as reference_nndl  # noqa: E402
from nndl_hw4.sandbox.backends import BubblewrapBackend, DirectBackend, select  # noqa: E402

# name: (backend, Landlock ABI: "native" = the kernel's, 0 = off, n = capped at n, socket ban).
# A cap makes the harness handle only what ABI n knows (child/landlock.handled): on this
# kernel, it enforces exactly what a kernel of ABI n would.
CONFIGS = {
    "bubblewrap": ("bubblewrap", "native", True),
    "bubblewrap, walls off": ("bubblewrap", 0, False),
    "direct": ("direct", "native", True),
    "direct, walls off": ("direct", 0, False),
    "direct, Landlock only": ("direct", "native", False),
    "direct, socket ban only": ("direct", 0, True),
}
for _abi in range(1, 7):
    CONFIGS[f"direct, ABI {_abi}"] = ("direct", _abi, True)
    CONFIGS[f"direct, Landlock ABI {_abi} only"] = ("direct", _abi, False)
DEFAULT = ["bubblewrap", "bubblewrap, walls off", "direct", "direct, walls off", "direct, Landlock only",
           "direct, socket ban only", "direct, ABI 5", "direct, Landlock ABI 3 only", "direct, Landlock ABI 5 only"]


ATTACK = '''
import errno, json, os, socket

def _try(action):
    try:
        return action()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def _read(path, marker=b""):
    with open(path, "rb") as f:
        return "read" if marker in f.read() else "read, no secret"

def _write(path):
    with open(path, "w") as f:
        f.write("x")
    return "written"

def _socket(family, kind, action):
    s = socket.socket(family, kind)
    s.settimeout(2)
    try:
        return action(s)
    finally:
        s.close()

report = {
    "read the reference": _try(lambda: _read(%(reference)r, b"def adam")),
    "read the grader": _try(lambda: _read(%(grader)r, b"import")),
    "read another submission": _try(lambda: _read(%(other)r, %(marker)r.encode())),
    "list /": _try(lambda: "listed" if os.listdir("/") else "empty"),
    "read /proc/1/cmdline": _try(lambda: _read("/proc/1/cmdline")),
    "read /proc/1/environ": _try(lambda: _read("/proc/1/environ")),
    "read the grader's environment": _try(lambda: _read("/proc/%%d/environ" %% os.getppid(), %(secret)r.encode())),
    "write into another submission": _try(lambda: _write(%(other_dir)r + "/written-" + %(marker)r)),
    "write in /var/tmp": _try(lambda: _write("/var/tmp/written-" + %(marker)r)),
    "TCP connect to the host": _try(lambda: _socket(socket.AF_INET, socket.SOCK_STREAM,
                                                    lambda s: s.connect(("127.0.0.1", %(tcp)d)) or "connected")),
    "TCP listen": _try(lambda: _socket(socket.AF_INET, socket.SOCK_STREAM,
                                       lambda s: s.bind(("127.0.0.1", 0)) or s.listen() or "listening")),
    "UDP to the host": _try(lambda: _socket(socket.AF_INET, socket.SOCK_DGRAM,
                                            lambda s: s.sendto(b"hw4", ("127.0.0.1", %(udp)d)) and "sent")),
    "abstract unix socket of the host": _try(lambda: _socket(socket.AF_UNIX, socket.SOCK_STREAM,
                                                             lambda s: s.connect("\\0" + %(unix)r) or "connected")),
    "signal the grader": _try(lambda: os.kill(os.getppid(), 0) or "signalled"),
}
print("HW4-REPORT " + json.dumps(report), flush=True)
'''


class Listeners:
    """TCP, UDP and abstract unix listeners on this host, counting what reaches them."""

    def __init__(self):
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.unix_name = f"nndl-hw4-walls-{uuid.uuid4().hex}"
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.unix.bind("\0" + self.unix_name)
        self.unix.listen()
        for s in (self.tcp, self.udp, self.unix):
            s.settimeout(0.1)
        self.counts = {"tcp": 0, "udp": 0, "unix": 0}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            for name, server in (("tcp", self.tcp), ("unix", self.unix), ("udp", self.udp)):
                try:
                    if name == "udp":
                        server.recvfrom(64)
                    else:
                        server.accept()[0].close()
                except OSError:
                    continue
                self.counts[name] += 1

    def take(self):
        counts, self.counts = self.counts, {"tcp": 0, "udp": 0, "unix": 0}
        return counts

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in (self.tcp, self.udp, self.unix):
            s.close()


def backend_for(config):
    name, abi, sockets = CONFIGS[config]
    if name == "direct":
        backend = DirectBackend(landlock=abi != 0, deny_sockets=sockets)
    else:
        backend = BubblewrapBackend(select("bubblewrap")[0].bwrap, landlock=abi != 0, deny_sockets=sockets)
    if abi not in (0, "native"):
        assert backend.landlock_abi >= abi, f"this kernel's Landlock ABI is {backend.landlock_abi}"
        backend.landlock_abi = abi
    return backend


def run(configs):
    root = Path(tempfile.mkdtemp(prefix="nndl-hw4-walls-"))
    root.chmod(0o755)   # the throw-away uid of a root grader must reach the workspaces
    listeners = Listeners()
    try:
        marker = uuid.uuid4().hex
        other = root / "other-student" / "nndl"
        other.mkdir(parents=True)
        (other / "optim.py").write_text(f"# {marker}\n")
        code = ATTACK % {
            "reference": str(Path(reference_nndl.__file__).parent / "optim.py"),
            "grader": str(Path(nndl_hw4.__file__).parent / "checks" / "__init__.py"),
            "other": str(other / "optim.py"), "other_dir": str(other), "marker": marker,
            "secret": os.environ.get("NNDL_HW4_FAKE_SECRET", "no secret given"),
            "tcp": listeners.tcp.getsockname()[1], "udp": listeners.udp.getsockname()[1],
            "unix": listeners.unix_name}
        nndl = helpers.write_submission(root / "attacker", helpers.attack_at_import(code))
        checks = [c for c in all_checks() if c.function == "sgd_momentum"]
        results = {}
        for config in configs:
            backend = backend_for(config)
            graded = helpers.grade(backend, nndl, root / "workspaces", checks=checks)
            report = graded.report()
            listeners.thread.join(0.3)    # let the listener thread count the last arrivals
            left = [*other.glob("written-*"), *Path("/var/tmp").glob(f"written-{marker}")]
            for path in left:
                path.unlink()
            results[config] = {"child": report, "host": {**listeners.take(), "files left": len(left)},
                               "backend": backend.name, "landlock": backend.landlock_abi,
                               "deny_sockets": backend.deny_sockets, "uid": os.getuid()}
        return results
    finally:
        listeners.close()
        Path(f"/var/tmp/written-{marker}").unlink(missing_ok=True)
        shutil.rmtree(root, ignore_errors=True)


def table(results):
    configs = list(results)
    attacks = list(results[configs[0]]["child"])
    lines = ["| attack | " + " | ".join(configs) + " |", "|---" * (len(configs) + 1) + "|"]
    for attack in attacks:
        lines.append(f"| {attack} | " + " | ".join(results[c]["child"][attack] for c in configs) + " |")
    for key in ("tcp", "udp", "unix", "files left"):
        lines.append(f"| host saw: {key} | " + " | ".join(str(results[c]["host"][key]) for c in configs) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default=";".join(DEFAULT), help="separated by ;, from: " + "; ".join(CONFIGS))
    parser.add_argument("--all", action="store_true", help="every configuration")
    parser.add_argument("--table", action="store_true", help="a Markdown table instead of JSON")
    args = parser.parse_args()
    results = run(list(CONFIGS) if args.all else args.configs.split(";"))
    print(table(results) if args.table else json.dumps(results))


if __name__ == "__main__":
    main()
