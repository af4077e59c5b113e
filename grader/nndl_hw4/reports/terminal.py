"""The terminal side of a grading run: a progress bar for batches and the summary table."""

from contextlib import contextmanager

from rich import box
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..scoring import BY_HAND, NOT_GRADED, SCORED, question_status
from .feedback import points
from .summary import SUMMARY_MD

STYLE = {"ok": "green", "partial errors": "yellow", "failed to grade": "red"}
SHORT = {"ok": "ok", "partial errors": "partial", "failed to grade": "ungraded"}   # keeps the table in 80 columns
INSTRUCTOR_TEXT = {NOT_GRADED: "not scored here: the demo has no CIFAR-10 and no saved models",
                   BY_HAND: "graded by hand"}


@contextmanager
def progress_bar(console, total):
    """Yields advance(name) for a batch; a no-op for a single submission or a non-terminal."""
    if total < 2:
        yield lambda name: None
        return
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=True) as progress:
        task = progress.add_task("", total=total)
        yield lambda name: progress.update(task, advance=1, description=escape(name))


def _parts(rubric):
    """[(part, [question ids])] of the questions this run scores, in rubric order."""
    parts = {}
    for q in rubric.questions:
        if q.scored_now:
            parts.setdefault(q.part or q.id, []).append(q.id)
    return list(parts.items())


def _part_cell(record, ids):
    questions = [q for q in record["questions"] if q["id"] in ids and q["status"] == SCORED]
    maximum = sum(q["max_points"] for q in questions)
    if maximum == 0:   # a part worth no points (HW3 carry-over): checks passed
        return f"{sum(q['passed'] for q in questions)}/{sum(q['total_checks'] for q in questions)}"
    return f"{points(sum(q['points'] for q in questions))}/{points(maximum)}"


NAME_WIDTH = 28     # a submission's name in the table: one line per student (grades.csv has it whole)
MIN_NAME_WIDTH = 10


def short_name(name, width=NAME_WIDTH):
    """The name on one line: its start and its end (where students put _v2, _FIXED) around an ellipsis."""
    if len(name) <= width:
        return name
    tail = (width - 1) // 3
    return name[:width - 1 - tail] + "…" + name[-tail:]


def summary_table(outcomes, rubric, title=None, width=80):
    """One line per submission whatever its name: the numbers and the status are never cut; the names
    give way to fit `width` columns (their start and end, around an ellipsis)."""
    parts = _parts(rubric)
    rows = []
    for outcome in outcomes:
        record = outcome.record
        if record["status"] == "failed to grade":
            cells = ["—"] * (1 + len(parts))
        else:
            cells = [f"{points(record['total'])}/{points(record['max'])}"]
            cells += [_part_cell(record, ids) for _, ids in parts]
        status = SHORT[record["status"]] + (" (cached)" if outcome.cached else "")
        rows.append((record["name"], cells + [status], record["status"], outcome.cached))
    headers = ["Total"] + [part for part, _ in parts] + ["Status"]
    widths = [max([len(h)] + [len(cells[i]) for _, cells, _, _ in rows]) for i, h in enumerate(headers)]
    room = width - sum(widths) - len(widths)          # one space between columns
    name_width = max(MIN_NAME_WIDTH, min(NAME_WIDTH, room, max([len("Submission")] + [len(r[0]) for r in rows])))
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  collapse_padding=True, padding=(0, 0))
    table.add_column("Submission", style="bold", no_wrap=True, width=name_width)
    for header, column_width in zip(headers, widths):
        table.add_column(header, justify="left" if header == "Status" else "right", no_wrap=True,
                         width=column_width)
    for name, cells, status, cached in rows:
        shown = f"[{STYLE[status]}]{SHORT[status]}[/]" + (" [dim](cached)[/]" if cached else "")
        table.add_row(escape(short_name(name, name_width)), *cells[:-1], shown)
    return table


def pending_line(rubric):
    """Which questions this run leaves to be scored elsewhere (grouped by why), or ''."""
    groups = {}
    for q in rubric.questions:
        if not q.scored_now and q.points > 0:
            groups.setdefault(INSTRUCTOR_TEXT[question_status(q)], []).append(q)
    if not groups:
        return ""
    items = [f"{', '.join(q.id for q in qs)} ({points(sum(q.points for q in qs))} points, {why})"
             for why, qs in groups.items()]
    return "Not in these totals: " + "; ".join(items)


def print_summary(console, outcomes, rubric, out_dir, title=None):
    console.print(summary_table(outcomes, rubric, title, console.width))
    console.print()
    for outcome in outcomes:
        record = outcome.record      # read back from disk after a batch: once per submission
        if record["reason"]:
            console.print(f"  [{STYLE[record['status']]}]{escape(record['name'])} ({record['status']})[/]: "
                          f"{escape(record['reason'])}", soft_wrap=True)
    unscored = [part for part, ids in _parts(rubric)
                if all(q.points == 0 for q in rubric.questions if q.id in ids)]
    if unscored:
        console.print(f"{', '.join(unscored)}: checks passed, worth no points (reported to students).")
    line = pending_line(rubric)
    if line:
        console.print(escape(line), soft_wrap=True)
    console.print(f"Gradebook: [bold]{escape(str(out_dir / 'grades.csv'))}[/]; per submission: "
                  f"{escape(str(out_dir))}/<name>/feedback.md (for the student), results.json (Gradescope), "
                  "grading.json (every check's verdict)", soft_wrap=True)
    if (out_dir / SUMMARY_MD).is_file():
        console.print(f"Class statistics: [bold]{escape(str(out_dir / SUMMARY_MD))}[/] (pass rates, diagnosed "
                      "mistakes, score histogram)", soft_wrap=True)
