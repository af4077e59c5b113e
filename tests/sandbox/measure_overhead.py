"""Print what the sandbox itself costs per child (figures, not asserts: machines differ).

    python tests/sandbox/measure_overhead.py [repeats]

Compares ``python -c "import numpy"``, the same without site (``-I -S``, as
the harness starts: the real floor, every child starts Python and numpy),
the harness on an EMPTY plan in the direct backend and in
bubblewrap, creating and removing a workspace, and, for scale, the whole
check catalogue on the reference in one bubblewrap child.
"""

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nndl_hw4.checks import all_checks
from nndl_hw4.grading.engine import INPUTS, observe
from nndl_hw4.grading.workspace import create_workspace, remove_workspace
from nndl_hw4.reference import nndl as reference_nndl
from nndl_hw4.runtime import Runtime
from nndl_hw4.sandbox.backends import numpy_dirs, python_executable, select
from nndl_hw4.sandbox.launch import run_child
from nndl_hw4.sandbox.limits import Limits


def timed(action, repeats):
    action()  # warm-up: caches, page cache, the direct backend's one-off privilege self-test
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), min(samples)


def empty_plan(backend, workspace):
    def run():
        io = Path(tempfile.mkdtemp(prefix="io-", dir=workspace.root))
        (io / INPUTS).write_bytes(b"")
        child = run_child(backend, workspace.paths(io), {"inputs": INPUTS, "checks": []}, Limits(), [])
        assert child.returncode == 0 and not child.timed_out, child
        shutil.rmtree(io)
    return run


def main(repeats=10):
    nndl = Path(reference_nndl.__file__).parent
    workspace = create_workspace(nndl)
    bwrap, _ = select("bubblewrap")
    direct, _ = select("direct")
    checks = all_checks()
    bare = [python_executable(), "-I", "-S", "-c",
            f"import sys; sys.path.append({str(numpy_dirs()[0].parent)!r}); import numpy"]
    rows = [
        ("python -c 'import numpy'",
         timed(lambda: subprocess.run([sys.executable, "-c", "import numpy"], check=True), repeats)),
        ("python -I -S, import numpy (the harness's floor)", timed(lambda: subprocess.run(bare, check=True), repeats)),
        ("empty plan, direct backend", timed(empty_plan(direct, workspace), repeats)),
        ("empty plan, bubblewrap", timed(empty_plan(bwrap, workspace), repeats)),
        ("create + remove a workspace", timed(lambda: remove_workspace(create_workspace(nndl)), repeats)),
        (f"reference, all {len(checks)} checks, bubblewrap (observe)",
         timed(lambda: observe(bwrap, workspace, checks, Limits(), Runtime()), max(3, repeats // 3))),
    ]
    remove_workspace(workspace)
    print(f"median (min) of {repeats} runs, seconds")
    for label, (median, fastest) in rows:
        print(f"  {label:<52} {median:6.3f}  ({fastest:.3f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
