"""Training speed: one step of the reference network against the floor of its matrix products.

    .venv/bin/python bench/training_step.py [--repeats 60]

The step: forward and backward of the reference
``FullyConnectedNet([512, 512, 512], use_batchnorm=True, dropout=0.3)`` (float32)
on a CIFAR-shaped float32 batch of 200 (random data: no download), then Adam
on every parameter with one config each, as ``Solver`` does.

The floor: the same matrix products alone, numpy ``@`` on the same float32
shapes: forward (200, 3072) @ (3072, 512), two (200, 512) @ (512, 512) and
(200, 512) @ (512, 10); backward one dW per layer and one dx per layer but the
first (nothing needs the gradient of the images): 11 products. The layer
contract (``affine_backward`` returns dx) has the reference compute that 12th
product too: shown as a second floor.

Step, floors and (when PyTorch is installed) the same step in PyTorch are
timed in turn, repetition by repetition, warm-up excluded; medians, with one
BLAS thread and with the library's default. Then where the step's time goes.
"""

import argparse
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

import numpy as np

from common import BLAS, header, load, median, target

RATIO = 1.3            # target: the step within this factor of the matrix-product floor
N, D, H, C = 200, 3 * 32 * 32, 512, 10
HIDDEN = [H, H, H]


def reference_step(seed=0):
    """(step, parts): one training step of the reference, and the same step timing loss and Adam apart."""
    from nndl_hw4.reference.nndl import optim
    from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet

    rs = np.random.RandomState(seed)
    X = rs.randn(N, 3, 32, 32).astype(np.float32)      # (N, 3, 32, 32), as CIFAR-10 batches are
    y = rs.randint(C, size=N)
    np.random.seed(seed)
    model = FullyConnectedNet(HIDDEN, use_batchnorm=True, dropout=0.3, dtype=np.float32)
    configs = {p: {"learning_rate": 1e-3} for p in model.params}

    def step():
        loss, grads = model.loss(X, y)
        for p, w in model.params.items():
            model.params[p], configs[p] = optim.adam(w, grads[p], configs[p])
        return loss, grads

    def parts():
        started = time.perf_counter()
        loss, grads = model.loss(X, y)
        middle = time.perf_counter()
        for p, w in model.params.items():
            model.params[p], configs[p] = optim.adam(w, grads[p], configs[p])
        return middle - started, time.perf_counter() - middle

    return model, step, parts


def floor_products(seed=0, input_gradient=False):
    """The step's matrix products alone (float32, the same shapes)."""
    rs = np.random.RandomState(seed)
    X = rs.randn(N, D).astype(np.float32)
    Ws = [(rs.randn(a, b) * 0.01).astype(np.float32) for a, b in zip([D, *HIDDEN], [*HIDDEN, C])]

    def floor():
        hs = [X]
        for W in Ws:                                  # forward: h_i @ W_i
            hs.append(hs[-1] @ W)
        d = hs[-1]                                    # (N, C), stands for dscores
        for i in range(len(Ws) - 1, -1, -1):
            hs[i].T @ d                               # dW_i
            if i > 0 or input_gradient:
                d = d @ Ws[i].T                       # dx_i
    return floor


def torch_step(seed=0):
    """The same step in PyTorch (CPU), or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(seed)
    layers = []
    for a, b in zip([D, *HIDDEN], HIDDEN):
        layers += [torch.nn.Linear(a, b), torch.nn.BatchNorm1d(b), torch.nn.ReLU(), torch.nn.Dropout(0.3)]
    model = torch.nn.Sequential(*layers, torch.nn.Linear(H, C))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rs = np.random.RandomState(seed)
    X = torch.from_numpy(rs.randn(N, 3, 32, 32).astype(np.float32))
    y = torch.from_numpy(rs.randint(C, size=N))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(X.reshape(N, -1)), y)
        loss.backward()
        optimizer.step()
    return torch, step


def measure(functions, repeats, warm_up=5):
    """{name: median seconds}, the functions run in turn each repetition (a load spike hits them all)."""
    samples = {name: [] for name in functions}
    for r in range(warm_up + repeats):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            if r >= warm_up:
                samples[name].append(time.perf_counter() - started)
    return {name: median(values) for name, values in samples.items()}


def profile(step, steps=20):
    """The step's own functions by time (cProfile), as text."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        step()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    return sorted(((v[2] / steps, f"{Path(k[0]).name}:{k[2]}") for k, v in stats.stats.items()
                   if f"{os.sep}nndl{os.sep}" in k[0]), reverse=True)     # the reference's own functions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60, help="timed repetitions per function and setting")
    args = parser.parse_args()
    header("Training step: reference FullyConnectedNet + Adam vs the matrix-product floor")

    model, step, parts = reference_step()
    loss, grads = step()
    kinds = sorted({str(v.dtype) for v in (*model.params.values(), *grads.values())})
    params = sum(v.size for v in model.params.values())
    print(f"network: {HIDDEN} hidden, batchnorm, dropout 0.3, {params:,} parameters; batch {N} x (3, 32, 32) "
          f"float32; params and grads after a step: {', '.join(kinds)}; loss {type(loss).__name__}")
    torch_parts = torch_step()
    if torch_parts is None:
        print("PyTorch: not installed (pip install torch to compare)")
    else:
        print(f"PyTorch {torch_parts[0].__version__}, {torch_parts[0].get_num_threads()} thread(s) by default")
    if not BLAS.controllable:
        print("BLAS threads: not controllable here (not OpenBLAS?): both settings use the default")
    print()

    functions = {"step": step, "floor": floor_products(), "floor + dx of the images": floor_products(input_gradient=True)}
    if torch_parts is not None:
        functions["pytorch step"] = torch_parts[1]
    results = {}
    for label, threads in (("1 BLAS thread", 1), (f"default threads ({BLAS.default if BLAS.controllable else '?'})", None)):
        torch_threads = None
        if torch_parts is not None:
            torch_threads = torch_parts[0].get_num_threads()
            if threads is not None:
                torch_parts[0].set_num_threads(threads)
        try:
            with BLAS.threads(threads):
                times = measure(functions, args.repeats)
                split = [parts() for _ in range(args.repeats // 2)]
        finally:
            if torch_threads is not None:
                torch_parts[0].set_num_threads(torch_threads)
        results[label] = times
        forward_backward, adam = median([s[0] for s in split]), median([s[1] for s in split])
        print(f"{label}  [load {load()}]")
        print(f"  step (forward + backward + Adam)   {1e3 * times['step']:7.2f} ms  "
              f"(loss() {1e3 * forward_backward:.2f} ms, Adam on every parameter {1e3 * adam:.2f} ms)")
        print(f"  floor: the 11 products alone       {1e3 * times['floor']:7.2f} ms   step / floor = "
              f"{times['step'] / times['floor']:.2f}")
        print(f"  floor + dx of the images (12)      {1e3 * times['floor + dx of the images']:7.2f} ms   step / floor = "
              f"{times['step'] / times['floor + dx of the images']:.2f}")
        dx = times["floor + dx of the images"] - times["floor"]
        rest = forward_backward - times["floor + dx of the images"]     # loss() beyond its products
        print(f"  beyond the floor: dx of the images {1e3 * dx:.2f} ms (affine_backward returns it), Adam "
              f"{1e3 * adam:.2f} ms (14 elementwise passes over every parameter), the rest {1e3 * rest:.2f} ms "
              f"(dropout masks, batchnorm, ReLU, softmax)")
        if "pytorch step" in times:
            print(f"  PyTorch step (same network, Adam)  {1e3 * times['pytorch step']:7.2f} ms   PyTorch / floor = "
                  f"{times['pytorch step'] / times['floor']:.2f}; reference / PyTorch = "
                  f"{times['step'] / times['pytorch step']:.2f}")
        print()

    with BLAS.threads(1):
        rows = profile(step)
    print("Where a step's time goes (1 BLAS thread, cProfile, own time per step):")
    for seconds, name in rows[:8]:
        print(f"  {name:<40} {1e3 * seconds:7.2f} ms")
    print()
    print("Targets:")
    for label, times in results.items():
        ratio = times["step"] / times["floor"]
        print("  " + target(ratio <= RATIO, f"step / floor = {ratio:.2f} <= {RATIO} ({label}); "
                                            f"{ratio / RATIO - 1:+.0%} from the target"))
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
