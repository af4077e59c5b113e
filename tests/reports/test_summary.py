"""summary.md: class statistics after a batch, from the grading records of that run."""

import struct
import zlib

import pytest

from nndl_hw4 import diagnosis, mutants
from nndl_hw4.reports.summary import HISTOGRAM_PNG, SUMMARY_MD, class_statistics, render_summary, write_summary


def _record(name, total, questions, status="ok"):
    return {"name": name, "status": status, "reason": "" if status == "ok" else "corrupt zip", "total": total,
            "max": 20.0, "questions": questions}


def _question(qid, points, maximum, checks, status="scored"):
    return {"id": qid, "title": qid.title(), "status": status, "points": points, "max_points": maximum,
            "passed": sum(c["passed"] for c in checks), "total_checks": len(checks), "checks": checks}


def _check(cid, passed, diagnosis_text=None):
    return {"id": cid, "label": f"label of {cid}", "passed": passed, "diagnosis": diagnosis_text}


SMALL_CLASS = [
    _record("ann", 20.0, [_question("adam", 10, 10, [_check("adam/a", True), _check("adam/b", True)]),
                          _question("bn", 10, 10, [_check("bn/a", True)])]),
    _record("ben", 5.0, [_question("adam", 5, 10, [_check("adam/a", True), _check("adam/b", False, "no bias")]),
                         _question("bn", 0, 10, [_check("bn/a", False, "ddof=1")])]),
    _record("cat", 15.0, [_question("adam", 5, 10, [_check("adam/a", False, "no bias"), _check("adam/b", True)]),
                          _question("bn", 10, 10, [_check("bn/a", True)])]),
    _record("dan", None, [], status="failed to grade"),
]


def test_class_statistics_of_a_small_class():
    stats = class_statistics(SMALL_CLASS)
    assert stats.graded == ["ann", "ben", "cat"] and stats.ungraded == [("dan", "corrupt zip")]
    assert stats.totals == {"ann": 20.0, "ben": 5.0, "cat": 15.0}
    assert [(q[0], q[3], round(q[4], 4)) for q in stats.questions] == [("adam", 20 / 3, 0.3333), ("bn", 20 / 3, 0.6667)]
    assert [(c[0], round(c[2], 4)) for c in stats.checks] == [("adam/a", 0.6667), ("adam/b", 0.6667), ("bn/a", 0.6667)]
    assert stats.mistakes == [("no bias", ["ben", "cat"]), ("ddof=1", ["ben"])]
    # 10 bins of 2 points: 5 -> [4, 6), 15 -> [14, 16), 20 (the maximum) -> the last bin.
    assert [count for _, _, count in stats.histogram()] == [0, 0, 1, 0, 0, 0, 0, 1, 0, 1]


def test_class_statistics_read_the_records_once():
    # A batch streams them back from disk: any iterable, read once.
    assert class_statistics(iter(SMALL_CLASS)) == class_statistics(SMALL_CLASS)


def test_the_markdown_shows_the_numbers():
    text = render_summary(class_statistics(SMALL_CLASS), "scores.png")
    assert "3 submission(s) graded, 1 could not be graded." in text
    assert "- not graded: dan: corrupt zip" in text
    assert "Out of 20: mean 13.33, median 15, lowest 5, highest 20." in text
    assert "![Histogram of the automatic scores](scores.png)" in text
    assert "| Adam | 10 | 6.67 | 33% |" in text
    assert "- **2 student(s)**: no bias  \n  ben, cat" in text
    assert text.index("no bias") < text.index("ddof=1")
    bars = [line for line in text.splitlines() if " | " in line and "–" in line]
    assert len(bars) == 10 and bars[2].endswith(" 1") and bars[0].endswith(" 0")


def _png_chunks(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body, crc = data[at + 8:at + 8 + length], struct.unpack(">I", data[at + 8 + length:at + 12 + length])[0]
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_a_graded_batch_writes_summary_md_and_a_valid_png(graded):
    out, _, outcomes = graded
    text = (out / SUMMARY_MD).read_text()
    graded_names = [n for n, o in outcomes.items() if o.record["status"] != "failed to grade"]
    assert f"{len(graded_names)} submission(s) graded, 1 could not be graded." in text
    assert "- not graded: corrupt:" in text
    adam = diagnosis.describe(mutants.by_id("adam-no-bias-correction"))
    assert f"- **1 student(s)**: {adam}  \n  adam-no-bias-correction" in text
    # Adam: full marks for the reference only (the stubs, the mistake and the missing optim.py lose points).
    adam_row = next(line for line in text.splitlines() if line.startswith("| Adam (optim.adam) | 10 |"))
    assert len(graded_names) == 4 and adam_row.endswith(" | 25% |")
    chunks = _png_chunks((out / HISTOGRAM_PNG).read_bytes())
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height = struct.unpack(">II", chunks[0][1][:8])
    assert (width, height) == (600, 320)


@pytest.mark.parametrize("records", [[], [_record("dan", None, [], status="failed to grade")]])
def test_a_class_nobody_could_be_graded_in_still_gets_a_summary(records):
    text = render_summary(class_statistics(records))
    assert text.startswith("# HW4 class summary\n\n0 submission(s) graded")


def test_one_graded_submission_gets_the_text_histogram_and_no_png(tmp_path):
    (tmp_path / HISTOGRAM_PNG).write_bytes(b"an earlier class's picture")
    path = write_summary(tmp_path, [_record("ann", 80, [])])
    text = path.read_text()
    assert "1 submission(s) graded." in text and "![Histogram" not in text
    assert sum(1 for line in text.splitlines() if " | " in line and "–" in line) == 10
    assert not (tmp_path / HISTOGRAM_PNG).exists()
    write_summary(tmp_path, [_record("ann", 80, []), _record("ben", 40, [])])
    assert _png_chunks((tmp_path / HISTOGRAM_PNG).read_bytes())[0][0] == b"IHDR"
