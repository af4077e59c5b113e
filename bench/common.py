"""What the benchmarks share: machine facts, BLAS thread control, targets, the reference submission.

Not a benchmark itself: ``bench/<name>.py`` imports it (the scripts' folder is
first on ``sys.path``). Figures are printed, never asserted: machines differ.
"""

import contextlib
import ctypes
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]      # the kit's clone: solutions/ holds the master notebooks
NOTEBOOKS = ("optimization", "batchnorm", "dropout")
BIN = Path(sys.executable).parent               # nndl-hw4 and otter live beside this Python

# The final part's model, trained as the dropout notebook does in FAST mode (tests/otter does the same).
TRAIN = textwrap.dedent("""
    import numpy as np
    from nndl.fc_net import FullyConnectedNet
    from utils.data_utils import get_CIFAR10_data
    from utils.model_io import save_model
    from utils.solver import Solver

    data = get_CIFAR10_data(num_training=900, num_validation=100, num_test=100)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100], weight_scale=1e-2, use_batchnorm=True, dropout=0.75)
    Solver(model, data, num_epochs=5, batch_size=100, update_rule='adam',
           optim_config={'learning_rate': 1e-3}, lr_decay=0.95, verbose=False).train()
    save_model(model, 'model.npz')
""")


# --- printing -------------------------------------------------------------------------------

def header(title):
    """Print the title, the command that reproduces it and the machine facts."""
    print(f"# {title}")
    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    for line in machine_facts():
        print(line)
    print()


def load():
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def machine_facts():
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    blas = blas_info()
    return [f"machine: {platform.machine()} {model}, {cores} cores ({usable} usable), "
            f"load average {load()} (1, 5, 15 min)",
            f"python {platform.python_version()}, numpy {np.__version__}, BLAS: {blas}"]


def blas_info():
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = f"{config.get('name')} {config.get('version')}"
    except Exception:     # older numpy: no dict form
        text = "unknown"
    threads = BLAS.get()
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS") if k in os.environ}
    return text + (f", {threads} thread(s) by default" if threads else "") + (f" ({env})" if env else "")


def target(ok, text):
    return f"{'PASS' if ok else 'MISS'}  {text}"


def median(values):
    return statistics.median(values) if values else float("nan")


# --- BLAS threads (OpenBLAS as numpy wheels ship it) ------------------------------------------

class _Blas:
    """Set the number of BLAS threads at run time (what threadpoolctl does, for OpenBLAS only)."""

    NAMES = (("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
             ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
             ("openblas_set_num_threads", "openblas_get_num_threads"))

    def __init__(self):
        self._set = self._get = None
        try:
            maps = Path("/proc/self/maps").read_text()
        except OSError:
            return
        paths = sorted({line.split()[-1] for line in maps.splitlines() if "openblas" in line.lower()
                        and line.split()[-1].startswith("/")})
        for path in paths:
            library = ctypes.CDLL(path)
            for set_name, get_name in self.NAMES:
                if hasattr(library, set_name) and hasattr(library, get_name):
                    self._set, self._get = getattr(library, set_name), getattr(library, get_name)
                    self._set.argtypes, self._get.restype = [ctypes.c_int], ctypes.c_int
                    self.default = self.get()
                    return

    def get(self):
        return self._get() if self._get else None

    @contextlib.contextmanager
    def threads(self, n):
        """Run the block with n BLAS threads (None: as the library is set by default)."""
        if n is None or self._set is None:
            yield
            return
        before = self.get()
        self._set(n)
        try:
            yield
        finally:
            self._set(before)

    @property
    def controllable(self):
        return self._set is not None


BLAS = _Blas()


# --- the reference submission, as a student hands it in -----------------------------------------

def run(command, cwd=None, env=None, check=True):
    """subprocess.run with output captured; raise with the output when it fails."""
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"{shlex.join(map(str, command))} failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def environment(cifar10_dir=None):
    env = dict(os.environ, MPLBACKEND="Agg")
    env.pop("CIFAR10_DIR", None)
    if cifar10_dir is not None:
        env["CIFAR10_DIR"] = str(cifar10_dir)
    return env


def write_data(folder):
    """(small, full): generated CIFAR-10 to train the final part's model on, and of the official sizes
    (the scorer's validation split is training rows 49000..49999). No download."""
    from nndl_hw4.cifar import write_cifar10
    small, full = Path(folder) / "cifar-small", Path(folder) / "cifar-full"
    write_cifar10(small, per_batch=200, test=100, seed=0)
    write_cifar10(full, per_batch=10000, test=1000, seed=0)
    return small, full


def reference_exports(folder, small_cifar):
    """{notebook: export zip} of the solution, made by each notebook's own export cell (with the
    final part's model.npz in the dropout notebook's), as a student hands them in."""
    import nbformat
    from nndl_hw4.release import notebooks

    exports = {}
    for name in NOTEBOOKS:
        work = Path(folder) / name
        work.mkdir(parents=True)
        for package in ("nndl", "utils"):
            shutil.copytree(REPO / "solutions" / package, work / package, ignore=shutil.ignore_patterns("__pycache__"))
        (work / f"{name}.ipynb").write_bytes(notebooks.assign(REPO, REPO / "solutions" / f"{name}.ipynb").solution)
        env = environment(small_cifar)
        if name == "dropout":
            run([sys.executable, "-c", TRAIN], cwd=work, env=env)
        nb = nbformat.read(work / f"{name}.ipynb", as_version=4)
        cells = [c.source for c in nb.cells if c.cell_type == "code"
                 and ("otter.Notebook(" in c.source or "grader.export(" in c.source)]
        run([sys.executable, "-c", "import os\n" + "\n".join(cells)], cwd=work, env=env)
        [exports[name]] = work.glob(f"{name}_*.zip")
    return exports


def copies(source, folder, k, stem="student"):
    """k copies of the file `source` in `folder` (a class of identical submissions); the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(k):
        shutil.copyfile(source, folder / f"{stem}-{i:03d}{Path(source).suffix}")
    return folder


def timed(command, **kwargs):
    """(seconds, CompletedProcess) of one command."""
    started = time.perf_counter()
    done = run(command, **kwargs)
    return time.perf_counter() - started, done
