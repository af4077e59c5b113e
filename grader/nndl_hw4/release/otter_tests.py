"""The otter test cells of the master notebooks, derived from the check catalogue and rubric.toml.

Every auto-graded question of the rubric is one otter question in one of
solutions/*.ipynb: its ``# BEGIN QUESTION`` cell carries the rubric's points
and its ``# BEGIN TESTS`` block holds one test cell per check of the question
(hidden unless the check is public), each calling nndl_hw4.otter_bridge, so
otter and ``nndl-hw4 grade`` run the same checks. The final part ("accuracy")
gets one public test cell per step of the scoring formula. Free-response
(manual) questions may be split across notebooks as ``<rubric id>_<suffix>``;
their points must add up to the rubric's.

The build refuses masters whose cells disagree with what this module derives;
rewrite them with

    python -m nndl_hw4.release.otter_tests --write

(edit prose, check cells and manual questions in Jupyter as usual; this
command only rewrites the BEGIN QUESTION cells of graded questions and their
test blocks).
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import yaml

from ..errors import KitError
from ..scoring import ACCURACY_FLOOR, ACCURACY_STEPS

BEGIN_QUESTION = "# BEGIN QUESTION"
END_QUESTION = "# END QUESTION"
BEGIN_TESTS = "# BEGIN TESTS"
END_TESTS = "# END TESTS"


@dataclass(frozen=True)
class TestCell:
    name: str            # the test function's name
    hidden: bool
    call: str            # the otter_bridge call it makes
    points: float | None = None   # None: otter splits the question's points evenly

    def source(self):
        config = [f"hidden: {'true' if self.hidden else 'false'}"]
        if self.points is not None:
            config.append(f"points: {self.points!r}")
        function = self.call.split("(", 1)[0]
        return "\n".join([
            '""" # BEGIN TEST CONFIG', *config, '""" # END TEST CONFIG',
            f"def {self.name}():",
            f"    from nndl_hw4.otter_bridge import {function}",
            f"    {self.call}",
        ])


def _number(value):
    return int(value) if float(value).is_integer() else float(value)


def question_cell(name, points, manual=False):
    """The source of a BEGIN QUESTION cell as this module writes it."""
    lines = [BEGIN_QUESTION, f"name: {name}", f"points: {_number(points)}"]
    lines += ["manual: true"] if manual else ["check_cell: false"]
    return "\n".join(lines)


def _test_name(text):
    return "test_" + re.sub(r"\W", "_", text)


def expected_tests(question, checks):
    """[TestCell] for a rubric question (auto or accuracy); `checks` maps check id -> Check."""
    if question.kind == "accuracy":
        return [TestCell(_test_name(f"accuracy_at_least_{ACCURACY_FLOOR + k}_percent"), False,
                         f'require_accuracy({k}, split="{question.split}")') for k in range(1, ACCURACY_STEPS + 1)]
    members = [checks[c] for c in question.checks]
    weights = [c.weight for c in members]
    shares = [None] * len(members)
    if len(set(weights)) > 1:   # otter splits evenly by default; unequal weights need explicit points
        total = sum(weights)
        shares = [question.points * w / total for w in weights]
        shares[-1] = question.points - sum(shares[:-1])   # never more than the question's points
    return [TestCell(_test_name(c.id), not c.public, f'run_check("{c.id}")', share)
            for c, share in zip(members, shares)]


def _source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _raw(cell, marker):
    return cell.cell_type == "raw" and _source(cell).strip().startswith(marker)


@dataclass
class QuestionBlock:
    """Where a question sits in a master notebook."""

    config: dict
    begin: int                 # index of the BEGIN QUESTION cell
    tests: tuple | None        # (index of BEGIN TESTS, index of END TESTS), if any

    @property
    def name(self):
        return self.config.get("name")


def question_blocks(nb, shown="notebook"):
    """The questions of a master notebook, in order."""
    blocks, current = [], None
    for i, cell in enumerate(nb.cells):
        if _raw(cell, BEGIN_QUESTION):
            config = yaml.safe_load(_source(cell).strip()[len(BEGIN_QUESTION):]) or {}
            if not isinstance(config, dict) or "name" not in config:
                raise KitError(f"{shown}: cell {i + 1}: a BEGIN QUESTION cell needs a YAML config with a name")
            current = QuestionBlock(config, i, None)
        elif _raw(cell, BEGIN_TESTS) and current is not None:
            current.tests = (i, None)
        elif _raw(cell, END_TESTS) and current is not None and current.tests:
            current.tests = (current.tests[0], i)
        elif _raw(cell, END_QUESTION) and current is not None:
            blocks.append(current)
            current = None
    return blocks


def _rubric_question(name, rubric):
    """The rubric question an otter question stands for: same id, or '<manual id>_<suffix>'."""
    for question in rubric.questions:
        if name == question.id or (question.kind == "manual" and name.startswith(question.id + "_")):
            return question
    return None


def notebook_problems(nb, rubric, checks, shown):
    """What differs between a master notebook and its derived question and test cells."""
    problems = []
    for block in question_blocks(nb, shown):
        question = _rubric_question(block.name, rubric)
        if question is None:
            problems.append(f"{shown}: question {block.name!r} is not in rubric.toml")
            continue
        if question.kind == "manual":
            if not block.config.get("manual"):
                problems.append(f"{shown}: question {block.name!r} is free response: it needs 'manual: true'")
            continue
        want = question_cell(question.id, question.points)
        if _source(nb.cells[block.begin]).strip() != want:
            problems.append(f"{shown}: question {block.name!r}: its BEGIN QUESTION cell should read {want!r}")
        if not block.tests or block.tests[1] is None:
            problems.append(f"{shown}: question {block.name!r} has no '# BEGIN TESTS' ... '# END TESTS' block")
            continue
        start, end = block.tests
        have = [_source(c).strip() for c in nb.cells[start + 1:end]]
        if have != [t.source() for t in expected_tests(question, checks)]:
            problems.append(f"{shown}: question {block.name!r}: its test cells differ from the check catalogue")
    return problems


def release_problems(notebooks, rubric, checks):
    """Problems across all masters: {shown name: notebook}; every rubric question in exactly one place."""
    problems, seen, manual_points = [], {}, {}
    for shown, nb in notebooks.items():
        problems += notebook_problems(nb, rubric, checks, shown)
        for block in question_blocks(nb, shown):
            if block.name in seen:
                problems.append(f"{shown}: question {block.name!r} is also in {seen[block.name]}")
            seen[block.name] = shown
            question = _rubric_question(block.name, rubric)
            if question is not None and question.kind == "manual":
                manual_points[question.id] = manual_points.get(question.id, 0) + float(block.config.get("points") or 0)
    for question in rubric.questions:
        if question.kind == "manual":
            got = manual_points.get(question.id)
            if got is None:
                problems.append(f"no notebook asks the free-response question {question.id!r}")
            elif abs(got - question.points) > 1e-9:
                problems.append(f"the free-response questions {question.id}_* carry {_number(got)} points "
                                f"in the notebooks, {_number(question.points)} in rubric.toml")
        elif question.id not in seen:
            problems.append(f"rubric question {question.id!r} is in no notebook")
    return problems


def sync_notebook(nb, rubric, checks):
    """A copy of `nb` whose graded questions' BEGIN QUESTION cells and test blocks are derived afresh."""
    nb = nbformat.from_dict(nb)
    for block in reversed(question_blocks(nb)):
        question = _rubric_question(block.name, rubric)
        if question is None or question.kind == "manual":
            continue
        nb.cells[block.begin].source = question_cell(question.id, question.points)
        cells = [nbformat.v4.new_code_cell(t.source()) for t in expected_tests(question, checks)]
        for cell, test in zip(cells, expected_tests(question, checks)):
            cell.id = test.name.replace("_", "-")[:64]
        if block.tests and block.tests[1] is not None:
            start, end = block.tests
            nb.cells[start + 1:end] = cells
        else:
            end = next(i for i in range(block.begin, len(nb.cells)) if _raw(nb.cells[i], END_QUESTION))
            nb.cells[end:end] = [nbformat.v4.new_raw_cell(BEGIN_TESTS), *cells, nbformat.v4.new_raw_cell(END_TESTS)]
    return nb


def load_inputs(rubric_path=None):
    """(rubric, {check id: Check}) from the packaged catalogue and rubric."""
    from ..checks import all_checks
    from ..rubric import load_rubric

    checks = all_checks()
    return load_rubric(rubric_path, checks), {c.id: c for c in checks}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nndl_hw4.release.otter_tests", description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="master notebooks (default: solutions/*.ipynb)")
    parser.add_argument("--write", action="store_true", help="rewrite the notebooks in place")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(Path("solutions").glob("*.ipynb"))
    if not paths:
        parser.error("no master notebooks found (run from the kit root or name them)")
    rubric, checks = load_inputs()
    notebooks = {str(p): nbformat.read(p, as_version=4) for p in paths}
    if args.write:
        for path, nb in notebooks.items():
            synced = sync_notebook(nb, rubric, checks)
            if synced != nb:
                nbformat.write(synced, path)
                print(f"rewrote {path}")
            notebooks[path] = synced
    problems = release_problems(notebooks, rubric, checks)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
