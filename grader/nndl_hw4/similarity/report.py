"""Writing a similarity run: ``similarity.html``, ``similarity.csv``, and the class summary's link.

The CSV has one row per pair worth a look (every flagged pair, every pair
scoring at least ``run.CSV_MIN``, every pair sharing a rare mistake), best
first, for spreadsheets; the HTML (html.py) details the flagged pairs and the
best of the rest.
"""

import csv
import io

from ..reports.record import write_text
from ..reports.summary import SIMILARITY_HTML, link_similarity
from .html import render_html
from .run import unit_pairs

SIMILARITY_CSV = "similarity.csv"
COLUMNS = ("rank", "student_a", "student_b", "score", "flagged", "reasons", "shared_weight", "own_weight_a",
           "own_weight_b", "functions", "public_solution", "shared_rare_mistakes")


def functions_text(result, pair, limit=5):
    parts = []
    for unit_a, unit_b, weight in unit_pairs(result, pair, limit):
        label = unit_a.key if unit_a.key == unit_b.key else f"{unit_a.key} ~ {unit_b.key}"
        parts.append(f"{label} ({weight:.1f})")
    return "; ".join(parts)


def render_csv(result):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rank, pair in enumerate(result.pairs, start=1):
        public = result.name(pair.public[0]) if pair.public else ""
        writer.writerow([rank, result.name(pair.a), result.name(pair.b), f"{pair.score:.3f}",
                         "yes" if pair.flags else "no", "; ".join(pair.flags), f"{pair.shared:.2f}",
                         f"{result.index.totals[pair.a]:.2f}", f"{result.index.totals[pair.b]:.2f}",
                         functions_text(result, pair) if pair.shared else "", public,
                         "; ".join(m.sentence() for m in pair.mistakes)])
    return buffer.getvalue()


def write_reports(result, out):
    """Write DIR/similarity.html and DIR/similarity.csv; refresh DIR/summary.md's link when there is one."""
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / SIMILARITY_CSV, render_csv(result))
    write_text(out / SIMILARITY_HTML, render_html(result))
    link_similarity(out, headline(result))
    return out / SIMILARITY_HTML


def headline(result):
    """One line for summary.md: what this run flagged."""
    flagged = result.flagged
    copied = sum(1 for p in flagged if "copied code" in p.flags)
    return (f"{len(flagged)} pair(s) flagged among {result.students} submissions: {copied} with a score of at "
            f"least {result.threshold:g}, {len(flagged) - copied} for shared rare mistakes alone")
