"""The terminal table: one line per student whatever the length of the name, numbers never cut."""

from types import SimpleNamespace

from rich.console import Console

from nndl_hw4.reports.terminal import short_name, summary_table

LONG = "a-student-who-zipped-her-whole-home-folder-for-hw4-on-the-last-night_FIXED"   # 74 characters


def test_short_names_keep_their_start_and_end():
    assert short_name("alice") == "alice"
    short = short_name(LONG, 20)
    assert len(short) == 20 and short.startswith("a-student-") and short.endswith("FIXED") and "…" in short


def test_one_line_per_student_on_an_80_column_terminal(graded):
    _, rubric, outcomes = graded
    reference = outcomes["reference"]
    rows = [SimpleNamespace(record=dict(reference.record, name=name), cached=cached)
            for name, cached in (("alice", False), (LONG, True), ("bob", True))]
    console = Console(width=80, record=True)
    console.print(summary_table(rows, rubric, width=console.width))
    lines = console.export_text().rstrip("\n").splitlines()
    assert len(lines) == 2 + len(rows)                       # the header, its rule, one line each
    assert all(len(line.rstrip()) <= 80 for line in lines)
    total = f"{reference.record['total']:g}/{reference.record['max']:g}"
    for line, row in zip(lines[2:], rows):
        assert total in line and line.rstrip().endswith("ok (cached)" if row.cached else "ok")
    assert "FIXED" in lines[3] and "…" in lines[3]
