"""summary.md: class statistics of one grading run, from its submissions' grading records.

Written to ``DIR/summary.md`` after every batch, with the score histogram as
``DIR/summary-scores.png`` (matplotlib, Agg canvas: no display needed) and as
text in the markdown:

- the automatic score's histogram (10 bins of its maximum) and its mean and median;
- per question: mean points and the share of students with full marks;
- per check: the share of students passing it, lowest first;
- the diagnosed mistakes, most frequent first: how many students, and who;
- a link to ``DIR/similarity.html`` when ``nndl-hw4 similar`` (or ``grade
  --similarity``) wrote one there; ``similar`` refreshes the link itself.

Only submissions that were graded count; those that could not be are listed.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field

from ..scoring import SCORED
from .feedback import points
from .record import write_text

SUMMARY_MD = "summary.md"
SIMILARITY_HTML = "similarity.html"       # written by nndl-hw4 similar (similarity/report.py)
SIMILARITY_HEADING = "## Similarity"
HISTOGRAM_PNG = "summary-scores.png"
BINS = 10
BAR = 40          # width of the longest text bar
MIN_FOR_PNG = 2   # graded submissions it takes to draw the histogram PNG (the text one is always there)


@dataclass
class ClassStatistics:
    graded: list                      # names, in run order
    ungraded: list                    # [(name, reason)]
    maximum: float = 0.0
    totals: dict = field(default_factory=dict)        # {name: total}
    questions: list = field(default_factory=list)     # [(id, title, max, mean, full-marks share)]
    checks: list = field(default_factory=list)        # [(check id, label, pass share)]
    mistakes: list = field(default_factory=list)      # [(diagnosis, [names])], most frequent first

    def histogram(self):
        """[(low, high, count)] over BINS equal bins of [0, maximum]; the last bin holds the maximum."""
        if not self.maximum:
            return []
        width = self.maximum / BINS
        counts = Counter(min(int(total / width), BINS - 1) for total in self.totals.values())
        return [(i * width, (i + 1) * width, counts.get(i, 0)) for i in range(BINS)]


def class_statistics(records):
    """ClassStatistics of grading records (the dicts of grading.json).

    `records` may be any iterable (a batch reads them back from disk one by one): it is read
    once and only what the summary shows is kept, so memory does not grow with the records' size.
    """
    stats = ClassStatistics([], [])
    by_question, by_check, labels, mistakes = {}, {}, {}, {}
    for record in records:
        if record["status"] == "failed to grade":
            stats.ungraded.append((record["name"], record["reason"]))
            continue
        if not stats.graded:
            stats.maximum = record["max"]
        stats.graded.append(record["name"])
        stats.totals[record["name"]] = record["total"]
        for question in record["questions"]:
            if question["status"] != SCORED:
                continue
            full = (question["points"] >= question["max_points"] if question["max_points"] > 0
                    else question["passed"] == question["total_checks"])   # worth 0 points: every check passed
            by_question.setdefault((question["id"], question["title"], question["max_points"]), []).append(
                (question["points"], full))
            for check in question["checks"]:
                by_check.setdefault(check["id"], []).append(check["passed"])
                labels[check["id"]] = check["label"]
                if check.get("diagnosis"):
                    mistakes.setdefault(check["diagnosis"], []).append(record["name"])
    if not stats.graded:
        return stats
    for (qid, title, maximum), rows in by_question.items():
        stats.questions.append((qid, title, maximum, statistics.fmean(p for p, _ in rows),
                                sum(full for _, full in rows) / len(rows)))
    stats.checks = sorted(((cid, labels[cid], sum(ok) / len(ok)) for cid, ok in by_check.items()),
                          key=lambda row: (row[2], row[0]))
    students = {text: sorted(set(names), key=stats.graded.index) for text, names in mistakes.items()}
    stats.mistakes = sorted(students.items(), key=lambda item: (-len(item[1]), item[0]))
    return stats


def _percent(share):
    return f"{100 * share:.0f}%"


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def similarity_section(headline=None):
    """The summary's last section: a link to similarity.html (``headline``: what that run found)."""
    text = f"[{SIMILARITY_HTML}]({SIMILARITY_HTML}): pairs of submissions ranked by the code they share " \
           "that the starter did not give them, side by side, with shared rare mistakes"
    found = f". {headline}." if headline else " (written by an earlier `nndl-hw4 similar` run)."
    return f"{SIMILARITY_HEADING}\n\n{text}{found}\n"


def link_similarity(out_dir, headline):
    """Point DIR/summary.md, if there is one, at DIR/similarity.html (its last section, replaced)."""
    path = out_dir / SUMMARY_MD
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8")
    text = text.split(f"\n{SIMILARITY_HEADING}\n", 1)[0].rstrip("\n") + "\n"
    write_text(path, f"{text}\n{similarity_section(headline)}")


def render_summary(stats, png_name=None, similarity=False):
    lines = ["# HW4 class summary", ""]
    n = len(stats.graded)
    lines += [f"{n} submission(s) graded" + (f", {len(stats.ungraded)} could not be graded" if stats.ungraded else "")
              + ".", ""]
    for name, reason in stats.ungraded:
        lines.append(f"- not graded: {_cell(name)}: {_cell(reason)}")
    if stats.ungraded:
        lines.append("")
    if not n:
        return "\n".join(lines)
    totals = list(stats.totals.values())
    lines += ["## Automatic score", "",
              f"Out of {points(stats.maximum)}: mean {points(round(statistics.fmean(totals), 2))}, "
              f"median {points(round(statistics.median(totals), 2))}, "
              f"lowest {points(min(totals))}, highest {points(max(totals))}.", ""]
    if png_name:
        lines += [f"![Histogram of the automatic scores]({png_name})", ""]
    peak = max((count for _, _, count in stats.histogram()), default=0) or 1
    lines += ["```"] + [f"{points(round(lo, 2)):>6} – {points(round(hi, 2)):<6} | "
                        f"{'#' * round(BAR * count / peak):<{BAR}} {count}"
                        for lo, hi, count in stats.histogram()] + ["```", ""]
    lines += ["## Questions", "", "| question | points | mean | full marks |", "|---|---:|---:|---:|"]
    lines += [f"| {_cell(title)} | {points(maximum)} | {points(round(mean, 2))} | {_percent(share)} |"
              for _, title, maximum, mean, share in stats.questions]
    lines += ["", "## Checks (lowest pass rate first)", "", "| check | passed by |", "|---|---:|"]
    lines += [f"| `{cid}`: {_cell(label)} | {_percent(share)} |" for cid, label, share in stats.checks]
    lines += ["", "## Diagnosed mistakes (most frequent first)", ""]
    if not stats.mistakes:
        lines.append("No failed check matched a known mistake.")
    for text, names in stats.mistakes:
        lines.append(f"- **{len(names)} student(s)**: {_cell(text)}  \n  {', '.join(_cell(x) for x in names)}")
    if similarity:
        lines += ["", similarity_section().rstrip("\n")]
    return "\n".join(lines) + "\n"


def plot_histogram(stats, path):
    """Write the score histogram as a PNG (an Agg canvas: no display, no global pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bins = stats.histogram()
    width = stats.maximum / BINS
    axes.bar([lo for lo, _, _ in bins], [count for _, _, count in bins], width=width * 0.9, align="edge",
             color="#4477aa")
    axes.set_xlim(0, stats.maximum)
    axes.set_xlabel(f"automatic score (out of {points(stats.maximum)})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title(f"HW4: {len(stats.graded)} graded submission(s)")
    figure.tight_layout()
    figure.savefig(path, format="png")


def write_summary(out_dir, records):
    """Write DIR/summary.md (and the histogram PNG for a class: two or more graded submissions;
    one score makes no histogram and drawing it costs a fresh process 0.7 s of matplotlib);
    return the markdown's path."""
    stats = class_statistics(records)
    png = None
    if len(stats.graded) >= MIN_FOR_PNG and stats.maximum:
        plot_histogram(stats, out_dir / HISTOGRAM_PNG)
        png = HISTOGRAM_PNG
    else:                       # never leave an earlier class's picture beside this summary
        (out_dir / HISTOGRAM_PNG).unlink(missing_ok=True)
    path = out_dir / SUMMARY_MD
    write_text(path, render_summary(stats, png, similarity=(out_dir / SIMILARITY_HTML).is_file()))
    return path
