"""The rubric: questions, their points, and the checks that score them.

The packaged default is ``rubric.toml`` beside this module (commented for
instructors); ``nndl-hw4 grade --rubric FILE`` loads another. Loading
validates everything against the check catalogue and raises RubricError
naming the file, line and question, so a typo never silently costs (or
gives) a class points.
"""

import fnmatch
import json
import re
import tomllib
from dataclasses import asdict, dataclass, replace
from importlib import resources
from pathlib import Path

from .errors import UsageError

KINDS = ("auto", "accuracy", "manual")
CREDITS = ("proportional", "all-or-nothing")
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
SPLITS = {"val": "validation", "test": "test"}   # what an accuracy question is scored on (accuracy.dataset)
QUESTION_KEYS = {"id", "title", "part", "points", "kind", "checks", "credit", "visibility", "split"}
ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")

class RubricError(UsageError):
    """The rubric file is not valid TOML or does not describe a valid rubric."""


@dataclass(frozen=True)
class Question:
    id: str
    title: str
    points: float
    kind: str                 # auto | accuracy | manual
    part: str = ""
    credit: str = "proportional"
    visibility: str = "visible"
    patterns: tuple = ()
    checks: tuple = ()        # resolved check ids, in catalogue order
    line: int = 0             # where the question starts in the rubric file
    split: str = "val"        # accuracy only: "val" (validation) or "test"
    deferred: bool = False    # accuracy only: not scored in this run (the demo has no dataset)

    @property
    def scored_now(self):
        """True when `nndl-hw4 grade` computes this question's points (kinds auto and accuracy)."""
        return self.kind == "auto" or (self.kind == "accuracy" and not self.deferred)


@dataclass(frozen=True)
class Rubric:
    questions: tuple
    source: str               # the file it came from, for messages
    cascade: bool = False     # the network questions also charge the student's layer bugs (see rubric.toml)

    @property
    def total(self):
        return sum(q.points for q in self.questions)

    def check_ids(self):
        return [c for q in self.questions for c in q.checks]

    def without_accuracy(self):
        """This rubric with its accuracy questions left unscored (for runs without CIFAR-10)."""
        return replace(self, questions=tuple(replace(q, deferred=True) if q.kind == "accuracy" else q
                                             for q in self.questions))

    def fingerprint(self):
        """Everything that changes scores (not comments or layout), as canonical JSON."""
        rows = [{k: v for k, v in asdict(q).items() if k != "line"} for q in self.questions]
        return json.dumps({"questions": rows, "cascade": self.cascade}, sort_keys=True)


def default_rubric_path():
    return resources.files(__package__).joinpath("rubric.toml")


def load_rubric(path=None, checks=None):
    """Load and validate a rubric (the packaged default when path is None)."""
    if path is None:
        source, text = "rubric.toml (packaged default)", default_rubric_path().read_text(encoding="utf-8")
    else:
        path = Path(path)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise RubricError(f"cannot read the rubric {path}: {error.strerror or error}",
                              hint="pass --rubric FILE naming a rubric TOML file") from None
    if checks is None:
        from .checks import all_checks
        checks = all_checks()
    return parse_rubric(text, source, [c.id for c in checks])


def parse_rubric(text, source, check_ids):
    """Validate rubric TOML `text` against the catalogue's `check_ids`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{source}: not valid TOML: {error}",
                          hint="compare with the packaged rubric.toml") from None
    fail, starts = _locator(text, source)
    unknown = sorted(set(data) - {"question", "cascade"})
    if unknown:
        fail(f"unknown top-level key(s) {', '.join(unknown)} (a rubric holds 'cascade' and [[question]] tables)")
    cascade = data.get("cascade", False)
    if not isinstance(cascade, bool):
        fail(f"cascade must be true or false, not {cascade!r}")
    raw = data.get("question")
    if not isinstance(raw, list) or not raw:
        fail("no [[question]] tables")
    questions, owner, seen = [], {}, set()
    for index, entry in enumerate(raw):
        questions.append(_question(entry, index, check_ids, owner, seen, fail,
                                   starts[index] if index < len(starts) else 0))
    return Rubric(questions=tuple(questions), source=source, cascade=cascade)


def _locator(text, source):
    """(fail, starts): fail(problem, index, key, value) raises a RubricError naming the line of the
    index-th [[question]] (or of its `key`, or of the string `value` in it); starts[i] is where the
    i-th question begins."""
    lines = text.splitlines()
    starts = [i + 1 for i, line in enumerate(lines) if re.match(r"\s*\[\[\s*question\s*\]\]", line)]

    def fail(problem, index=None, key=None, value=None):
        where = source
        if index is not None and index < len(starts):
            line = starts[index]
            end = starts[index + 1] if index + 1 < len(starts) else len(lines) + 1
            for n in range(line, end):
                text_n = lines[n - 1]
                if (value is not None and f'"{value}"' in text_n) or (
                        value is None and key and re.match(rf"\s*{re.escape(key)}\s*=", text_n)):
                    line = n
                    break
            where = f"{source}:{line}"
        raise RubricError(f"{where}: {problem}", hint="see the comments at the top of the packaged rubric.toml")
    return fail, starts


def _question(entry, index, check_ids, owner, seen, fail, line):
    """The validated Question of one [[question]] table (`owner` and `seen` carry what earlier
    questions took: check ids and question ids)."""
    label = f"question {entry.get('id', index + 1)!r}"
    extra = sorted(set(entry) - QUESTION_KEYS)
    if extra:
        fail(f"{label}: unknown key {extra[0]!r} (valid keys: {', '.join(sorted(QUESTION_KEYS))})",
             index, key=extra[0])
    for key in ("id", "title", "points", "kind"):
        if key not in entry:
            fail(f"{label}: missing key {key!r}", index)
    qid = entry["id"]
    if not isinstance(qid, str) or not ID.fullmatch(qid):
        fail(f"{label}: id must be letters, digits, '_' or '-'", index, key="id")
    if qid in seen:
        fail(f"{label}: id used twice", index, key="id")
    seen.add(qid)
    points = entry["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points != points:
        fail(f"{label}: points must be a number", index, key="points")
    if points < 0:
        fail(f"{label}: points must be >= 0, not {points}", index, key="points")
    kind = entry["kind"]
    if kind not in KINDS:
        fail(f"{label}: kind must be one of {', '.join(KINDS)}, not {kind!r}", index, key="kind")
    for key, allowed in (("credit", CREDITS), ("visibility", VISIBILITIES)):
        if key in entry and entry[key] not in allowed:
            fail(f"{label}: {key} must be one of {', '.join(allowed)}, not {entry[key]!r}", index, key=key)
    for key in ("title", "part"):
        if key in entry and not isinstance(entry[key], str):
            fail(f"{label}: {key} must be a string", index, key=key)
    if "split" in entry:
        if kind != "accuracy":
            fail(f"{label}: only kind = \"accuracy\" questions take 'split'", index, key="split")
        if entry["split"] not in SPLITS:
            fail(f"{label}: split must be one of {', '.join(SPLITS)}, not {entry['split']!r}", index, key="split")
    patterns = entry.get("checks", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        fail(f"{label}: checks must be a list of strings (glob patterns over check ids)", index, key="checks")
    if kind != "auto" and (patterns or "credit" in entry):
        fail(f"{label}: only kind = \"auto\" questions take 'checks' and 'credit'", index,
             key="checks" if patterns else "credit")
    if kind == "auto" and not patterns:
        fail(f"{label}: an auto question needs checks = [\"<pattern>\", ...]", index)

    matched = []
    for pattern in patterns:
        found = [c for c in check_ids if fnmatch.fnmatchcase(c, pattern)]
        if not found:
            fail(f"{label}: pattern {pattern!r} matches no check", index, value=pattern)
        for check_id in found:
            if owner.get(check_id, qid) != qid:
                fail(f"{label}: check {check_id!r} is also in question {owner[check_id]!r} "
                     "(a check scores one question only)", index, value=pattern)
            owner[check_id] = qid
            if check_id not in matched:
                matched.append(check_id)
    order = {c: i for i, c in enumerate(check_ids)}
    return Question(
        id=qid, title=entry["title"], points=float(points), kind=kind, part=entry.get("part", ""),
        credit=entry.get("credit", "proportional"), visibility=entry.get("visibility", "visible"),
        patterns=tuple(patterns), checks=tuple(sorted(matched, key=order.get)), line=line,
        split=entry.get("split", "val"))
