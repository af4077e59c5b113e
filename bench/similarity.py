"""Benchmark: `nndl-hw4 similar` on a generated class of 300 (45,000 pairs).

The class comes from tests/similarity/classgen.py: independent students
written in their own styles, planted disguised copies (full, banners deleted,
five functions only, a group of three), three students who copied a public
solution kept in an --against folder, and students who share only the
starter. Prints the wall time of the command in a fresh process (and of its
steps in this one), the rank of every planted pair, and the best independent
pair against the threshold. Figures are printed, not asserted.

With ``--copydetect`` (and ``pip install copydetect``), also runs copydetect
0.5 on the same class, one file per module, the release as its boilerplate,
and prints its time and the ranks it gives the planted pairs.

    .venv/bin/python bench/similarity.py [--students 300] [--copydetect]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))          # tests/ is a namespace package: tests.similarity.classgen

from common import header, load  # noqa: E402
from tests.similarity.classgen import generate_class, write_class  # noqa: E402

from nndl_hw4.grading.submission import discover  # noqa: E402
from nndl_hw4.similarity import run as similarity_run  # noqa: E402
from nndl_hw4.similarity.report import write_reports  # noqa: E402
from nndl_hw4.similarity.run import DEFAULT_JOBS  # noqa: E402
from nndl_hw4.similarity.score import THRESHOLD  # noqa: E402

PLANTED_KINDS = 10     # independents the generator adds beyond --students: copies, public copies, stubs, partial


def ranks(pairs, name, origin):
    """[(rank, a, b, score)] of the planted pairs, and the best independent pair."""
    planted, best_independent = [], None
    for rank, (a, b, score) in enumerate(pairs, start=1):
        oa, ob = origin.get(a.split("/")[-1]), origin.get(b.split("/")[-1])
        if oa is not None and oa == ob:
            planted.append((rank, a, b, score))
        elif best_independent is None:
            best_independent = (rank, a, b, score)
    return planted, best_independent


def copydetect_run(root, students):
    """copydetect on the class: each student's nndl/*.py, the release as boilerplate. (seconds, pairs)."""
    from copydetect import CopyDetector
    from nndl_hw4.similarity.starter import generated_starter

    files = root / "copydetect"
    for student in students:
        for module, text in student.texts.items():
            path = files / "class" / student.name / f"{module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    boiler = files / "starter"
    boiler.mkdir(parents=True)
    for module, text in generated_starter().texts.items():
        (boiler / f"{module}.py").write_text(text)
    started = time.perf_counter()
    detector = CopyDetector(test_dirs=[str(files / "class")], boilerplate_dirs=[str(boiler)], extensions=["py"],
                            display_t=1.0, silent=True, autoopen=False, same_name_only=True, ignore_leaf=True)
    detector.run()
    seconds = time.perf_counter() - started
    # copydetect scores file pairs; a student pair gets the tokens copied over all four modules divided by
    # the smaller student's fingerprinted tokens (the containment nndl-hw4 similar also uses).
    student = [Path(f).parent.name for f in detector.test_files]
    coverage = {}
    for f, name in zip(detector.test_files, student):
        data = detector.file_data.get(f)
        coverage[name] = coverage.get(name, 0) + (data.token_coverage if data is not None else 0)
    overlap = {}
    n = len(detector.test_files)
    for i in range(n):
        for j in range(n):
            tokens = detector.token_overlap_matrix[i, j]
            if tokens > 0 and student[i] < student[j]:
                key = (student[i], student[j])
                overlap[key] = overlap.get(key, 0) + tokens
    ranked = sorted(((a, b, t / max(1, min(coverage[a], coverage[b]))) for (a, b), t in overlap.items()),
                    key=lambda row: -row[2])
    return seconds, ranked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="class size, planted students included")
    parser.add_argument("--copydetect", action="store_true", help="also run copydetect on the same class")
    args = parser.parse_args()
    header(f"nndl-hw4 similar on a generated class of {args.students}")
    started = time.perf_counter()
    students, against = generate_class(independents=args.students - PLANTED_KINDS - 6)
    origin = {s.name: s.origin for s in students + against}
    print(f"generated a class of {len(students)} (+{len(against)} public solution) in "
          f"{time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="nndl-hw4-bench-similar-") as scratch:
        root = Path(scratch)
        class_dir, public_dir = write_class(root, students, against)
        out = root / "report"
        command = [str(Path(sys.executable).parent / "nndl-hw4"), "similar", str(class_dir), "--against",
                   str(public_dir), "--out", str(out)]
        print(f"\n$ nndl-hw4 similar CLASS --against PUBLIC --out DIR    (a fresh process; {len(students)} "
              f"submissions, {len(students) * (len(students) - 1) // 2} pairs)")
        for jobs in (DEFAULT_JOBS, 1):
            started = time.perf_counter()
            subprocess.run(command + ["--jobs", str(jobs)], check=True, stdout=subprocess.DEVNULL)
            print(f"wall time with --jobs {jobs}: {time.perf_counter() - started:.2f} s (load average now {load()})")

        started = time.perf_counter()
        submissions = discover([class_dir], exclude=[out, public_dir])
        result = similarity_run.run(submissions, out, [public_dir])
        steps = time.perf_counter() - started
        started = time.perf_counter()
        write_reports(result, out)
        writing = time.perf_counter() - started
        print(f"in this process: read + fingerprint + score {steps:.2f} s, write HTML and CSV {writing:.2f} s "
              f"({(out / 'similarity.html').stat().st_size >> 10} KiB HTML, {len(result.pairs)} CSV rows)")
        pairs = [(result.name(p.a), result.name(p.b), p.score) for p in result.pairs]
        planted, best = ranks(pairs, result.name, origin)
        print(f"\nplanted pairs (threshold {THRESHOLD:g}):")
        for rank, a, b, score in planted:
            print(f"  rank {rank:3d}  {score:.3f}  {a} ~ {b}")
        if best:
            print(f"best independent pair: rank {best[0]}, {best[3]:.3f} ({best[1]} ~ {best[2]}); "
                  f"{'under' if best[3] < THRESHOLD else 'OVER'} the threshold {THRESHOLD:g}")
        if args.copydetect:
            seconds, ranked = copydetect_run(root, students)
            planted, best = ranks(ranked, None, origin)
            print(f"\ncopydetect (same class, file by file, the release as boilerplate): {seconds:.1f} s")
            print("  planted pair ranks: " + ", ".join(str(r) for r, *_ in planted))
            if best:
                print(f"  best independent pair: rank {best[0]}, {best[3]:.3f} ({best[1]} ~ {best[2]})")


if __name__ == "__main__":
    main()
