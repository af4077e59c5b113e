"""Memory: peak resident memory of grading one submission, and of the grader during a batch.

    .venv/bin/python bench/memory.py [--class-size 50] [--jobs 2]

1. One submission (the reference as a student hands it in: the dropout
   notebook's export zip, nndl/ and model.npz; every hidden check runs and the
   final part is scored on generated CIFAR-10 of the official sizes) graded
   by ``nndl-hw4 grade`` in a fresh process. That process reports its own peak
   (VmHWM); the sandboxed child's peak is its VmHWM sampled from /proc every
   5 ms (ru_maxrss of reaped children would overstate it: it counts the
   grader's own pages, shared copy-on-write by the fork before bubblewrap
   runs).
2. A class of identical copies graded with ``nndl-hw4 grade --jobs N``: the
   grader process's resident memory sampled every 50 ms, printed against the
   number of submissions finished, so "flat" is visible.

About a minute on an idle 2-core machine. No download.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import BIN, copies, environment, header, load, reference_exports, target, write_data

ONE_MIB = 300          # target: peak resident memory of grading one submission (MiB)
BATCH_MIB = 250        # target: the batch parent's peak, whatever the class size (MiB)
GROWTH_MIB = 10        # "flat": at most this growth from the first tenth of the class to the last

# Grade one submission in this process with the real command line, then report its peaks.
ONE = r"""
import json, sys
from nndl_hw4.cli import main
import nndl_hw4.grading.cli   # what `grade` imports

def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

before = hwm()
try:
    main(["grade", *sys.argv[1:], "--jobs", "1", "--force"], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps({"imports_kib": before, "peak_kib": hwm()}))
"""


def status(pid, field):
    """A /proc/<pid>/status field in KiB, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def descendants(pid):
    """Pids of every process below `pid` (one scan of /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
                parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class Sampler(threading.Thread):
    """Sample a process's VmRSS (and its descendants' peaks) every `interval` seconds until it exits."""

    def __init__(self, process, interval=0.05, progress=None, children=False):
        super().__init__(daemon=True)
        self.process, self.interval, self.progress, self.children = process, interval, progress, children
        self.samples = []          # (seconds, rss KiB, progress)
        self.child_peak = 0        # KiB: the largest VmHWM seen in a descendant

    def run(self):
        started = time.perf_counter()
        while self.process.poll() is None:
            rss = status(self.process.pid, "VmRSS")
            if rss is not None:
                self.samples.append((time.perf_counter() - started, rss, self.progress() if self.progress else 0))
            if self.children:
                for pid in descendants(self.process.pid):
                    self.child_peak = max(self.child_peak, status(pid, "VmHWM") or 0)
            time.sleep(self.interval)


def mib(kib):
    return kib / 1024


def one_submission(submission, cifar, out):
    process = subprocess.Popen([sys.executable, "-c", ONE, submission, "--out", out, "--cifar10-dir", cifar],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment())
    sampler = Sampler(process, interval=0.005, children=True)
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"grading failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    reported = json.loads(stdout.strip().splitlines()[-1])
    return reported, max((rss for _, rss, _ in sampler.samples), default=0), sampler.child_peak


def batch(folder, cifar, out, jobs):
    process = subprocess.Popen([BIN / "nndl-hw4", "grade", folder, "--out", out, "--jobs", str(jobs), "--force",
                                "--cifar10-dir", cifar], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment())
    sampler = Sampler(process, progress=lambda: len(list(Path(out).glob("*/grading.json"))))
    sampler.start()
    stdout, stderr = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"grading failed:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    return sampler.samples


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=50)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    header("Memory: grading one submission, and the grader during a batch")

    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        tmp = Path(tmp)
        small, full = write_data(tmp / "data")
        submission = reference_exports(tmp / "exports", small)["dropout"]
        reported, sampled, child_sampled = one_submission(submission, full, tmp / "out-one")
        folder = copies(submission, tmp / "class", args.class_size)
        samples = batch(folder, full, tmp / "out-class", args.jobs)

    parent, child = mib(reported["peak_kib"]), mib(child_sampled)
    print(f"One submission ({submission.name}: every hidden check + the final part), fresh process:")
    print(f"  grader process: peak {parent:6.1f} MiB (VmHWM; {mib(reported['imports_kib']):.1f} MiB after "
          f"importing the grader)")
    print(f"  sandboxed child: peak {child:6.1f} MiB (the largest VmHWM below the grader, sampled every 5 ms)")
    print()

    size = args.class_size
    rows, seen = [], set()
    for marks in (0, 1, size // 10, size // 4, size // 2, 3 * size // 4, size):
        if marks in seen:
            continue
        seen.add(marks)
        at = [rss for _, rss, done in samples if done == marks]
        if at:
            rows.append((marks, mib(max(at))))
    start = mib(max((rss for _, rss, done in samples if done == 0), default=0))
    end = mib(samples[-1][1])
    peak = mib(max(rss for _, rss, _ in samples))
    graded = [mib(rss) for _, rss, done in samples if 0 < done < size]
    early = [mib(rss) for _, rss, done in samples if 0 < done <= max(1, size // 10)]
    late = [mib(rss) for _, rss, done in samples if done >= size - max(1, size // 10) and done < size]
    growth = (max(late) - max(early)) if early and late else float("nan")
    print(f"A class of {size} copies, nndl-hw4 grade --jobs {args.jobs}: {samples[-1][0]:.1f} s, "
          f"{len(samples)} samples of the grader's resident memory:")
    print(f"  start {start:6.1f} MiB (set up, first submissions running), while grading "
          f"{min(graded, default=0):.1f}..{max(graded, default=0):.1f} MiB, end {end:6.1f} MiB, peak {peak:6.1f} MiB")
    print("  submissions finished -> resident memory (the highest sample at that count):")
    for marks, value in rows:
        note = "  (then summary.md and its histogram: matplotlib)" if marks == size else ""
        print(f"    {marks:4d} / {size}  {value:6.1f} MiB{note}")
    print(f"  growth from the first tenth of the class to the last: {growth:+.1f} MiB")
    print()
    print("Targets:")
    print("  " + target(parent + child <= ONE_MIB,
                        f"one submission: grader {parent:.1f} + sandboxed child {child:.1f} = {parent + child:.1f} MiB "
                        f"<= {ONE_MIB} MiB"))
    print("  " + target(peak <= BATCH_MIB and growth <= GROWTH_MIB,
                        f"batch of {size}: grader peak {peak:.1f} MiB <= {BATCH_MIB} MiB, growth {growth:+.1f} MiB "
                        f"<= {GROWTH_MIB} MiB (flat)"))
    print(f"\nload average at the end: {load()}")


if __name__ == "__main__":
    main()
