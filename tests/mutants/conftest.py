"""The mutant class: every catalogue entry as a one-bug submission, graded ONCE per session
through the real pipeline (`nndl-hw4 grade --jobs 2`: sandbox, rubric, scoring, reports).

The mutation score is printed at the end of the test run (pytest_terminal_summary),
whatever the output capture; `python bench/mutation_score.py` prints it on demand.
"""

import pytest
from click.testing import CliRunner

from nndl_hw4.cli import main
from nndl_hw4.diagnosis import mutation_score

SUMMARY = []   # the score's lines, once the class is graded


@pytest.fixture(scope="session")
def mutant_class(tmp_path_factory):
    """(out folder, {submission name: (Mutation, ...)}, Score, CLI result)."""
    root = tmp_path_factory.mktemp("mutants")
    written = mutation_score.write_class(root / "class")
    out = root / "grades"
    result = CliRunner().invoke(main, ["grade", str(root / "class"), "--out", str(out), "--jobs", "2"],
                                catch_exceptions=False)
    score = mutation_score.score(out, written)
    SUMMARY[:] = score.lines()
    return out, written, score, result


def pytest_terminal_summary(terminalreporter):
    if SUMMARY:
        terminalreporter.write_sep("-", "mutation score (tests/mutants)")
        for line in SUMMARY:
            terminalreporter.write_line(line)
