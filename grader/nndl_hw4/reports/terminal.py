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


def summary_table(outcomes, rubric, title=None):
    parts = _parts(rubric)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  collapse_padding=True)
    table.add_column("Submission", style="bold", overflow="fold")
    table.add_column("Total", justify="right", no_wrap=True)
    for part, _ in parts:
        table.add_column(part, justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for outcome in outcomes:
        record = outcome.record
        status = f"[{STYLE[record['status']]}]{SHORT[record['status']]}[/]"
        if outcome.cached:
            status += " [dim](cached)[/]"
        if record["status"] == "failed to grade":
            cells = ["—"] * (1 + len(parts))
        else:
            cells = [f"{points(record['total'])}/{points(record['max'])}"]
            cells += [_part_cell(record, ids) for _, ids in parts]
        table.add_row(escape(record["name"]), *cells, status)
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
    console.print(summary_table(outcomes, rubric, title))
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
