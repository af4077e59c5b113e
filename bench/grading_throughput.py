"""Grading throughput: `nndl-hw4 grade` against `otter run` on the same reference submission.

    .venv/bin/python bench/grading_throughput.py [--copies 10] [--rounds 2] [--no-otter]

The submission is the solution as a student hands it in: each notebook's own
export cell zips it (the dropout notebook's zip also holds nndl/ and the final
part's model.npz, trained in FAST mode on generated data). Per round, side by
side: one `nndl-hw4 grade` of one copy in a fresh process, the Gradescope
autograder's run on it (``python -m nndl_hw4.gradescope.run`` on a fake
/autograder: one process per student), `otter run` of the three notebook
exports with the three autograder zips of `nndl-hw4 build` (grading the same
checks inside the student's kernel), and `nndl-hw4 grade` of K copies with
--jobs 1 and --jobs 2. Every hidden check runs and the final part is scored on generated
CIFAR-10 of the official sizes, in both graders. Then the cost of one
submission by part, in a fresh process, the sandbox's own overhead (an
empty check plan) for both backends with and without Landlock, and what
`import matplotlib.pyplot` costs a child (with the grader's prebuilt font
cache, and building its own). About 2 minutes on an idle 2-core machine.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, NOTEBOOKS, REPO, copies, environment, header, load, median, reference_exports, run, target, \
    timed, write_data
from nndl_hw4.release import notebooks
from nndl_hw4.sandbox.backends import select

SECONDS_PER_SUBMISSION = 1.5     # target: median seconds per submission, all hidden checks
OTTER_RATIO = 10.0               # target: at least this many times faster than otter run

# One submission in a fresh process, timed by part (printed as JSON on the last line).
PARTS = r"""
import json, sys, time
launched = float(sys.argv[1])
t = {"start": time.time()}
import numpy
t["numpy"] = time.time()
from nndl_hw4.grading import cli   # what `nndl-hw4 grade` imports
t["imports"] = time.time()
from pathlib import Path
from nndl_hw4 import diagnosis
from nndl_hw4.accuracy.batch import prepare
from nndl_hw4.grading import batch, engine, grade
from nndl_hw4.grading.submission import discover
from nndl_hw4.rubric import load_rubric
from nndl_hw4.sandbox.backends import select
spent = {}

def timer(module, name, key):
    original = getattr(module, name)
    def wrapped(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - started
    setattr(module, name, wrapped)

timer(engine, "run_child", "child")
timer(grade, "judge", "judging")
timer(diagnosis, "diagnose", "diagnosis")
timer(grade, "score_model", "final part score")
timer(grade, "write_submission_reports", "submission reports")
timer(batch, "write_summary", "class reports")
submission, cifar, out = sys.argv[2:5]
backend, _ = select("auto")
t["select"] = time.time()
setup = batch.make_setup(load_rubric(None), backend, Path(out), force=True)
submissions = discover([Path(submission)], exclude=[Path(out)])
setup = prepare(setup, submissions, Path(cifar))
t["data"] = time.time()
batch.warm_up(setup)
t["warm-up"] = time.time()
[outcome] = batch.grade_batch(submissions, setup)
t["graded"] = time.time()
checks = sum(c["seconds"] for q in outcome.record["questions"] for c in q["checks"])
started = time.perf_counter()
for check in setup.checks.values():
    setup.runtime.alternatives(check)
alternatives = time.perf_counter() - started
started = time.perf_counter()
for check in setup.checks.values():
    diagnosis.variants.candidates(setup.runtime, check)
candidates = time.perf_counter() - started
print(json.dumps({"launched": launched, "t": t, "spent": spent, "checks": checks, "total": outcome.record["total"],
                  "alternatives": alternatives, "candidates": candidates, "n": len(setup.checks)}))
"""


def native(paths, out, cifar, jobs):
    """Grade with the real command line; (seconds, [per-submission seconds], [totals])."""
    shutil.rmtree(out, ignore_errors=True)
    seconds, _ = timed([BIN / "nndl-hw4", "grade", *paths, "--out", out, "--jobs", jobs, "--force",
                        "--cifar10-dir", cifar], env=environment())
    records = [json.loads(p.read_text()) for p in sorted(Path(out).glob("*/grading.json"))]
    return seconds, [r["seconds"] for r in records], [r["total"] for r in records]


def gradescope(submission, cifar, root):
    """`python -m nndl_hw4.gradescope.run` as run_autograder runs it, on a fake /autograder holding the
    unpacked submission (Gradescope unpacks the upload) and the packaged rubric: (seconds, score)."""
    import zipfile
    from nndl_hw4 import __version__
    from nndl_hw4.rubric import default_rubric_path
    from nndl_hw4.sandbox.limits import Limits

    shutil.rmtree(root, ignore_errors=True)
    (root / "source").mkdir(parents=True)
    (root / "source" / "rubric.toml").write_text(default_rubric_path().read_text())
    (root / "source" / "config.json").write_text(json.dumps({"kit_version": __version__, "sandbox": "auto",
                                                             "timeout": Limits().timeout}))
    with zipfile.ZipFile(submission) as archive:
        archive.extractall(root / "submission")
    env = dict(environment(), NNDL_HW4_AUTOGRADER_ROOT=str(root), NNDL_HW4_CIFAR10_DIR=str(cifar))
    seconds, _ = timed([sys.executable, "-m", "nndl_hw4.gradescope.run"], env=env)
    return seconds, json.loads((root / "results" / "results.json").read_text()).get("score")


def otter(exports, autograders, out):
    """`otter run` of every notebook's export with its autograder: (seconds per notebook, scores)."""
    seconds, scores = {}, {}
    for name in NOTEBOOKS:
        folder = Path(out) / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        seconds[name], _ = timed([BIN / "otter", "run", "-a", autograders[name], "-o", folder, "--no-logo",
                                  exports[name]], env=environment())
        results = json.loads((folder / "results.json").read_text())
        scores[name] = (sum(t.get("score") or 0 for t in results["tests"]),
                        sum(t.get("max_score") or 0 for t in results["tests"]))
    return seconds, scores


def sandbox_overhead(repeats=7):
    """Median seconds of one sandboxed child on an EMPTY check plan (start, python, numpy, exit),
    per backend with and without Landlock, the four interleaved so that load hits them alike.

    {(backend name, Landlock on): seconds}; a backend that cannot run here is left out.
    """
    from nndl_hw4.grading.engine import INPUTS
    from nndl_hw4.grading.workspace import create_workspace, remove_workspace
    from nndl_hw4.reference import nndl as reference_nndl
    from nndl_hw4.sandbox.backends import BubblewrapBackend, DirectBackend, SandboxUnavailable, select
    from nndl_hw4.sandbox.launch import run_child
    from nndl_hw4.sandbox.limits import Limits

    backends = {}
    try:
        bwrap = select("bubblewrap")[0].bwrap
        backends |= {("bubblewrap", True): BubblewrapBackend(bwrap), ("bubblewrap", False):
                     BubblewrapBackend(bwrap, landlock=False)}
    except SandboxUnavailable:
        pass
    backends |= {("direct", True): DirectBackend(), ("direct", False): DirectBackend(landlock=False)}
    backends = {key: b for key, b in backends.items() if b.landlock_abi or not key[1]}
    workspace = create_workspace(Path(reference_nndl.__file__).parent)
    samples = {key: [] for key in backends}
    try:
        for i in range(repeats + 1):
            for key, backend in backends.items():
                io = Path(tempfile.mkdtemp(prefix="io-", dir=workspace.root))
                (io / INPUTS).write_bytes(b"")
                started = time.perf_counter()
                child = run_child(backend, workspace.paths(io), {"inputs": INPUTS, "checks": []}, Limits(), [])
                if i:    # the first round warms the page cache
                    samples[key].append(time.perf_counter() - started)
                if child.returncode != 0:
                    raise RuntimeError(f"empty plan failed: {child}")
                shutil.rmtree(io)
    finally:
        remove_workspace(workspace)
    return {key: median(values) for key, values in samples.items()}


MATPLOTLIB = "import matplotlib.pyplot\n"
HIDDEN = "__import__('matplot' + 'lib.pyplot')\n"    # escapes the grader's scan: no prebuilt font cache


def matplotlib_in_child(repeats=5):
    """Median extra seconds of a child whose optim.py imports matplotlib.pyplot (one check run),
    with the grader's prebuilt font cache and without it (the child builds its own), per backend."""
    from nndl_hw4 import mutants
    from nndl_hw4.checks import all_checks
    from nndl_hw4.grading.engine import observe
    from nndl_hw4.grading.workspace import create_workspace, remove_workspace
    from nndl_hw4.sandbox.backends import SandboxUnavailable, select
    from nndl_hw4.sandbox.limits import Limits
    from nndl_hw4.runtime import Runtime

    checks = [c for c in all_checks() if c.id == "sgd_momentum/public"]
    names = ["direct"]
    try:
        select("bubblewrap")
        names.insert(0, "bubblewrap")
    except SandboxUnavailable:
        pass
    variants = {"none": "", "prebuilt": MATPLOTLIB, "own": HIDDEN}
    runtime = Runtime()
    with tempfile.TemporaryDirectory(prefix="bench-mpl-") as tmp:
        workspaces = {}
        for label, line in variants.items():
            texts = mutants.reference_sources()
            texts["optim"] = line + texts["optim"]
            workspaces[label] = create_workspace(mutants.write_package(Path(tmp) / label, texts))
        samples = {(n, label): [] for n in names for label in variants}
        try:
            for i in range(repeats + 1):
                for name in names:
                    backend = select(name)[0]
                    for label, workspace in workspaces.items():
                        started = time.perf_counter()
                        observations, _ = observe(backend, workspace, checks, Limits(), runtime)
                        if i:
                            samples[(name, label)].append(time.perf_counter() - started)
                        if observations[checks[0].id].status != "ok":
                            raise RuntimeError(f"{name}/{label}: {observations}")
        finally:
            for workspace in workspaces.values():
                remove_workspace(workspace)
    return {(name, label): median(samples[(name, label)]) - median(samples[(name, "none")])
            for name in names for label in ("prebuilt", "own")}


def parts(submission, cifar, out):
    launched = time.time()
    done = run([sys.executable, "-c", PARTS, launched, submission, cifar, out], env=environment())
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_parts(p, empty):
    t, spent = p["t"], p["spent"]
    child = spent.get("child", 0.0)
    judged = spent.get("judging", 0.0)
    rows = [
        ("python start (to the first line)", t["start"] - p["launched"]),
        ("import numpy", t["numpy"] - t["start"]),
        ("import the grader (CLI, checks, reports)", t["imports"] - t["numpy"]),
        ("select the sandbox (bubblewrap self-test)", t["select"] - t["imports"]),
        ("final-part data: CIFAR-10 validation split + mean image", t["data"] - t["select"]),
        ("reference warm-up: inputs + expected values", t["warm-up"] - t["data"]),
        ("sandboxed child: start, python, numpy (empty plan)", min(empty, child)),
        ("sandboxed child: the checks (student code)", p["checks"]),
        ("sandboxed child: the rest (imports, inputs, results)", max(0.0, child - empty - p["checks"])),
        ("judging (reference comparison)", judged - spent.get("diagnosis", 0.0)),
        ("diagnosis (none needed: every check passed)", spent.get("diagnosis", 0.0)),
        ("final part: score model.npz", spent.get("final part score", 0.0)),
        ("reports: results.json, feedback.md, grading.json", spent.get("submission reports", 0.0)),
        ("class reports: summary.md (the PNG needs 2+ students)", spent.get("class reports", 0.0)),
    ]
    total = t["graded"] - p["launched"]
    rows.append(("other (staging, workspace, grades.csv, ...)", max(0.0, total - sum(s for _, s in rows))))
    print(f"One submission in a fresh process, by part ({total:.2f} s in all, total {p['total']:g} points):")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:6.3f} s  {100 * seconds / total:4.0f}%")
    print(f"  paid only when a check fails, once per process for that check (all {p['n']} checks):")
    print(f"    {'accepted variants outputs (epsilon inside sqrt, ...)':<56} {p['alternatives']:6.3f} s")
    print(f"    {'diagnosis candidates (every mistake on the check inputs)':<56} {p['candidates']:6.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10, help="K: copies of the submission in a batch")
    parser.add_argument("--rounds", type=int, default=2, help="side-by-side rounds (medians are printed)")
    parser.add_argument("--no-otter", action="store_true", help="skip otter run (native figures only)")
    args = parser.parse_args()
    header("Grading throughput: nndl-hw4 grade vs otter run, same reference submission")

    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        started = time.perf_counter()
        small, full = write_data(tmp / "data")
        exports = reference_exports(tmp / "exports", small)
        autograders = {p.name.removesuffix("-autograder.zip"): p
                       for p in notebooks.write_autograders(REPO, tmp / "otter", cifar10_dir=full)}
        submission = exports["dropout"]    # holds nndl/ and model.npz: every check and the final part
        batch = copies(submission, tmp / "class", args.copies)
        print(f"set-up (generated CIFAR-10, exports, autograders): {time.perf_counter() - started:.1f} s")
        print(f"K = {args.copies} copies of {submission.name}; rounds: {args.rounds}\n")

        cold, scope, otters, batches = [], [], [], {1: [], 2: []}
        for r in range(args.rounds):
            seconds, _, totals = native([submission], tmp / "out-cold", full, 1)
            cold.append(seconds)
            line = f"round {r + 1}: nndl-hw4 grade, 1 submission: {seconds:.2f} s ({totals[0]:g} points)"
            seconds, score = gradescope(submission, full, tmp / "autograder")
            scope.append(seconds)
            line += f"; Gradescope run: {seconds:.2f} s ({score} points)"
            if not args.no_otter:
                per, scores = otter(exports, autograders, tmp / "out-otter")
                otters.append(sum(per.values()))
                line += (f"; otter run: {sum(per.values()):.2f} s ("
                         + ", ".join(f"{n} {per[n]:.1f} s {scores[n][0]:g}/{scores[n][1]:g}" for n in NOTEBOOKS) + ")")
            for jobs in (1, 2):
                wall, each, totals = native([batch], tmp / f"out-{jobs}", full, jobs)
                batches[jobs].append((wall, each))
                line += f"; K={args.copies} --jobs {jobs}: {wall:.2f} s"
                if set(totals) != {90.0}:
                    line += f" (totals {sorted(set(totals))}!)"
            print(line + f"  [load {load()}]")

        p = parts(submission, full, tmp / "out-parts")
        overhead = sandbox_overhead()
        plotting = matplotlib_in_child()
        backend = select("auto")[0].name
        empty = overhead.get((backend, True), overhead[(backend, False)])

    print()
    print("nndl-hw4 grade (every hidden check + the final part):")
    medians = {}
    for jobs, results in batches.items():
        wall = median([w for w, _ in results])
        each = median([s for _, e in results for s in e])
        medians[jobs] = each
        print(f"  --jobs {jobs}, K={args.copies}: {wall:6.2f} s in all, {wall / args.copies:5.2f} s per submission "
              f"with start-up, median {each:5.2f} s per submission in the batch, "
              f"{60 * args.copies / wall:5.1f} submissions/min")
    single, on_gradescope = median(cold), median(scope)
    print(f"  one submission, fresh process: nndl-hw4 grade {single:5.2f} s (with summary.md), "
          f"Gradescope's run_autograder {on_gradescope:5.2f} s")
    print("  sandbox overhead per child (empty check plan; median): "
          + "; ".join(f"{name} {seconds:5.3f} s {'with' if walled else 'without'} Landlock"
                      for (name, walled), seconds in overhead.items()))
    print("  import matplotlib.pyplot in a child (extra seconds; median): "
          + "; ".join(f"{name} {seconds:5.3f} s with the prebuilt font cache" if label == "prebuilt" else
                      f"{name} {seconds:5.3f} s building its own"
                      for (name, label), seconds in plotting.items()))
    print()
    print_parts(p, empty)
    print()
    print("Targets:")
    for jobs, each in medians.items():
        print("  " + target(each <= SECONDS_PER_SUBMISSION,
                            f"median {each:.2f} s per submission (--jobs {jobs}) <= {SECONDS_PER_SUBMISSION} s"))
    for label, seconds in (("nndl-hw4 grade", single), ("Gradescope run", on_gradescope)):
        print("  " + target(seconds <= SECONDS_PER_SUBMISSION,
                            f"one submission in a fresh process ({label}) {seconds:.2f} s <= "
                            f"{SECONDS_PER_SUBMISSION} s (start-up included)"))
    if otters:
        theirs = median(otters)
        print(f"  otter run, the three notebooks of one student: {theirs:.2f} s")
        for label, ours in ((f"batch median (--jobs 1) {medians[1]:.2f} s", medians[1]),
                            (f"Gradescope run {on_gradescope:.2f} s", on_gradescope),
                            (f"nndl-hw4 grade, fresh process {single:.2f} s", single)):
            print("  " + target(theirs / ours >= OTTER_RATIO,
                                f"{theirs / ours:5.1f}x faster than otter run ({label}), target >= {OTTER_RATIO:g}x"))
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
