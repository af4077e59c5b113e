"""``similarity.html``: one self-contained page (inline CSS and script; no server, no network).

Top: what was compared, the threshold, the distribution of scores with the
threshold drawn on it, and the table of pairs (a filter box narrows it by
name; ``#q=NAME`` in the address does the same). Then one section per
detailed pair: the per-function breakdown, the shared rare mistakes, and the
shared functions side by side. In the code, rare matches are orange, matches
much of the class has are pale yellow, the starter's own lines are grey, and
hovering a matched line lights up the lines of the other submission that hold
the same fingerprints.
"""

import math
from html import escape

from ..release.regions import split_lines
from .run import CSV_MIN, unit_pairs

UNITS_SHOWN = 8
RARE = 0.5
BINS = 20

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}.lead{max-width:75em}
table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
th{background:#f4f4f4}tr.flag td{background:#fff4f0}.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.7em;background:#c0392b;vertical-align:middle}.bar.low{background:#999}
.tag{display:inline-block;padding:0 .4em;border-radius:.3em;font-size:.85em;margin-right:.3em;background:#eee}
.tag.copied{background:#f5b7a8}.tag.mistakes{background:#f8d98b}.tag.public{background:#bcd7f5}
.hist{display:flex;align-items:flex-end;height:90px;gap:2px;border-bottom:1px solid #999;position:relative;max-width:600px}
.hist div{flex:1;background:#8aa7c8;min-height:1px}.hist div.over{background:#c0392b}
.hist .line{position:absolute;top:0;bottom:0;width:0;border-left:2px dashed #000;background:none;flex:none}
.scale{display:flex;justify-content:space-between;max-width:600px;font-size:.8em;color:#555}
.pair{border-top:2px solid #ccc;margin-top:1.5em}.pair summary{cursor:pointer;font-weight:600;padding:.4em 0}
.sides{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em;margin:.6em 0 1.2em}
.code{font:12px/1.35 ui-monospace,monospace;background:#fafafa;border:1px solid #ddd;overflow-x:auto;margin:0}
.code div{white-space:pre;padding:0 .5em}.code .ln{color:#999;display:inline-block;width:3.5em}
.code .rare{background:#f9c9a4}.code .common{background:#fdf3c4}.code .st{color:#aaa}.code .hot{outline:2px solid #c0392b}
.code .gap{color:#999}.unit{font-weight:600;margin:.2em 0}.note{color:#666;font-size:.9em}
#filter{padding:.3em;width:20em;margin:.5em 0}
"""

SCRIPT = """
(function () {
  var root = document.documentElement, errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); root.dataset.errors = errors.join(' | '); });
  var rows = Array.prototype.slice.call(document.querySelectorAll('#pairs tbody tr'));
  var box = document.getElementById('filter'), count = document.getElementById('shown');
  function apply(text) {
    var q = text.trim().toLowerCase(), shown = 0;
    rows.forEach(function (row) { var hit = !q || row.dataset.names.indexOf(q) >= 0; row.hidden = !hit; if (hit) shown++; });
    count.textContent = String(shown);
  }
  box.addEventListener('input', function () { apply(box.value); });
  function fromAddress() {
    var m = location.hash.match(/^#q=(.*)$/);
    if (m) { box.value = decodeURIComponent(m[1]); apply(box.value); return; }
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === 'DETAILS') target.open = true;
  }
  window.addEventListener('hashchange', fromAddress);
  apply(''); fromAddress();
  function light(el, on) {
    var ids = el.dataset.f.split(' '), pair = el.closest('.pair');
    pair.querySelectorAll('[data-f]').forEach(function (other) {
      if (other.dataset.f.split(' ').some(function (id) { return ids.indexOf(id) >= 0; })) other.classList.toggle('hot', on);
    });
  }
  document.querySelectorAll('.code [data-f]').forEach(function (el) {
    el.addEventListener('mouseenter', function () { light(el, true); });
    el.addEventListener('mouseleave', function () { light(el, false); });
  });
  root.dataset.ready = 'yes';
})();
"""

HOW_TO_READ = (
    "A pair's <b>score</b> is the share of the smaller submission's own code (the starter subtracted, "
    "each fragment weighted by how rare it is in this class) that the other submission also has; a pair "
    "needs real shared code to get near 1 (at least the weight of about ten rare statements). Code most "
    "of the class writes the same way counts for almost nothing. Names, comments, blank lines, "
    "parentheses, statement order, <code>+=</code> and string formatting are ignored. "
    "<b>Shared rare mistakes</b> are wrong outputs, identical on the same hidden inputs, that few "
    "other students return. A flag is a reason to look, not a verdict: read the code side by side.")


def render_html(result):
    flagged = result.flagged
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>HW4 similarity report</title>"
             f"<style>{CSS}</style></head><body><h1>HW4 similarity report</h1>", _lead(result, flagged),
             f"<p class='lead'>{HOW_TO_READ}</p>", _histogram(result), _table(result), _unread(result)]
    parts += [_pair_section(result, rank, pair) for rank, pair in _ranked(result)]
    parts.append(f"<script>{SCRIPT}</script></body></html>\n")
    return "".join(parts)


def _ranked(result):
    ranks = {id(p): r for r, p in enumerate(result.pairs, start=1)}
    return [(ranks[id(p)], p) for p in result.shown]


def _lead(result, flagged):
    against = len(result.codes) - result.students
    total = result.students * (result.students - 1) // 2
    return (f"<p class='lead'><b>{result.students}</b> submissions compared"
            + (f", and against <b>{against}</b> submissions of earlier years or public solutions" if against else "")
            + f" ({total} pairs, {len(result.scores)} of them sharing some weighted code; the {len(result.pairs)} "
            f"scoring at least {CSV_MIN:g} or sharing a rare mistake are listed). "
            f"<b>{len(flagged)}</b> pair(s) flagged: score at least <b>{result.threshold:g}</b>, or shared rare "
            f"mistakes. Starter: {escape(result.starter)}. Behaviour: {escape(result.behaviour.note)}. "
            f"Took {result.seconds:.1f} s.</p>")


def _histogram(result):
    counts = [0] * BINS
    for value in result.scores:
        counts[min(int(value * BINS), BINS - 1)] += 1
    peak = max(counts) or 1
    bars = "".join(f"<div class='{'over' if (i + 1) / BINS > result.threshold else ''}' "
                   f"style='height:{100 * math.log1p(c) / math.log1p(peak):.0f}%' "
                   f"title='{i / BINS:.2f}-{(i + 1) / BINS:.2f}: {c} pair(s)'>"
                   f"</div>" for i, c in enumerate(counts))
    line = f"<div class='line' style='left:{100 * result.threshold:.1f}%' title='threshold'></div>"
    return (f"<h2>Scores of the {len(result.scores)} pairs sharing weighted code</h2><p class='note'>Bars on a "
            f"log scale (the tallest is {peak} pairs; hover a bar for its count); the dashed line is the "
            f"threshold.</p><div class='hist'>{bars}{line}</div>"
            "<div class='scale'><span>0</span><span>0.5</span><span>1</span></div>")


def _table(result):
    shown = {rank for rank, _ in _ranked(result)}
    rows = []
    for rank, pair in enumerate(result.pairs, start=1):
        a, b = result.name(pair.a), result.name(pair.b)
        link = f"<a href='#pair-{rank}'>details</a>" if rank in shown else ""
        tags = "".join(f"<span class='tag {'copied' if f.startswith('copied') else 'mistakes'}'>{escape(f)}</span>"
                       for f in pair.flags)
        if pair.public:
            tags += f"<span class='tag public'>shares a public solution: {escape(result.name(pair.public[0]))}</span>"
        functions = ", ".join(escape(ua.key if ua.key == ub.key else f"{ua.key} ~ {ub.key}")
                              for ua, ub, _ in unit_pairs(result, pair, 3))
        mistakes = ", ".join(escape(m.function) for m in pair.mistakes)
        rows.append(f"<tr class='{'flag' if pair.flags else ''}' data-names='{escape((a + ' ' + b).lower())}'>"
                    f"<td class='num'>{rank}</td><td>{escape(a)}</td><td>{escape(b)}</td>"
                    f"<td class='num'>{pair.score:.2f} <span class='bar{'' if pair.flags else ' low'}' "
                    f"style='width:{60 * pair.score:.0f}px'></span></td><td>{tags}</td><td>{functions}</td>"
                    f"<td>{mistakes}</td><td>{link}</td></tr>")
    return ("<h2>Pairs, best first</h2><input id='filter' type='search' placeholder='filter by student name'>"
            " <span class='note'><span id='shown'></span> shown</span>"
            "<table id='pairs'><thead><tr><th>#</th><th>student</th><th>student</th><th>score</th><th>flags</th>"
            "<th>most shared functions</th><th>shared rare mistakes</th><th></th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _unread(result):
    lines = [f"<li>{escape(c.name)}: not compared: {escape(c.error)}</li>" for c in result.codes if c.error]
    lines += [f"<li>{escape(c.name)}: {escape(note)}</li>" for c in result.codes for note in c.notes]
    return f"<h2>Notes</h2><ul>{''.join(lines)}</ul>" if lines else ""


def _pair_section(result, rank, pair):
    a, b = result.codes[pair.a], result.codes[pair.b]
    head = (f"#{rank} {escape(a.name)} and {escape(b.name)}: score {pair.score:.2f}"
            + (f" ({', '.join(pair.flags)})" if pair.flags else ""))
    body = [f"<p class='note'>Shared weight {pair.shared:.1f}; own weight {result.index.totals[pair.a]:.1f} "
            f"({escape(a.name)}) and {result.index.totals[pair.b]:.1f} ({escape(b.name)}).</p>"]
    if pair.public:
        body.append(f"<p><span class='tag public'>shares a public solution</span> {100 * pair.public[1]:.0f}% of "
                    f"what they share is also in {escape(result.name(pair.public[0]))}.</p>")
    if pair.mistakes:
        body.append("<p><b>Shared rare mistakes</b></p><ul>" + "".join(
            f"<li>{escape(m.sentence())}: {escape(', '.join(c for c, _ in m.checks))}</li>" for m in pair.mistakes)
            + "</ul>")
    units = unit_pairs(result, pair, UNITS_SHOWN) if pair.shared else []
    if units:
        body.append("<table><thead><tr><th>function</th><th>in the other</th><th class='num'>shared weight</th>"
                    "</tr></thead><tbody>" + "".join(
                        f"<tr><td>{escape(ua.key)}</td><td>{escape(ub.key)}</td><td class='num'>{w:.1f}</td></tr>"
                        for ua, ub, w in units) + "</tbody></table>")
    for unit_a, unit_b, _ in units:
        ia, ib = a.units.index(unit_a), b.units.index(unit_b)
        body.append(f"<div class='sides'><div><div class='unit'>{escape(a.name)}: {escape(unit_a.key)}</div>"
                    f"{_code(a, ia, pair.detail.marks_a)}</div><div><div class='unit'>{escape(b.name)}: "
                    f"{escape(unit_b.key)}</div>{_code(b, ib, pair.detail.marks_b)}</div></div>")
    opened = " open" if pair.flags else ""
    return (f"<section class='pair'><details id='pair-{rank}'{opened}><summary>{head}</summary>"
            + "".join(body) + "</details></section>")


def _code(code, u, marks):
    """A unit's source, line by line, with its marks: rare/common match, starter's own, plain."""
    unit = code.units[u]
    lines = split_lines(code.texts[unit.module])
    style = {}
    for i, item in enumerate(unit.items):
        weight, ids = marks.get((u, i), (0.0, ()))
        kind = ("rare" if weight >= RARE else "common") if ids else ("" if unit.own[i] else "st")
        for line in range(item.line, item.end_line + 1):
            if kind or line not in style:
                style[line] = (kind, " ".join(str(f) for f in sorted(ids)))
    first = min((i.line for i in unit.items), default=unit.first_line)
    shown = ([unit.first_line] if first > unit.first_line else []) + list(range(first, unit.last_line + 1))
    out, previous = [], None
    for number in shown:
        if previous is not None and number > previous + 1:
            out.append("<div class='gap'>     ...</div>")
        previous = number
        kind, ids = style.get(number, ("", ""))
        attrs = (f" class='{kind}'" if kind else "") + (f" data-f='{ids}'" if ids else "")
        text = lines[number - 1].rstrip("\r\n") if number <= len(lines) else ""
        out.append(f"<div{attrs}><span class='ln'>{number}</span>{escape(text)}</div>")
    return f"<div class='code'>{''.join(out)}</div>"

