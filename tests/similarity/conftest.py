"""Fixtures of the similarity tests: a generated class run once through the real CLI.

``generated_class`` writes classgen's class (independent students, planted
disguised copies, a public solution under an --against folder, starter-only
students; some as zips, one as an otter export) and runs ``nndl-hw4 similar``
on it in this process, once per session.
"""

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from nndl_hw4.cli import main

from .classgen import generate_class, write_class


def run_cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def read_csv(path):
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


class Generated:
    def __init__(self, root, students, against, result):
        self.root, self.students, self.against, self.result = root, students, against, result
        self.out = root / "out"
        self.rows = read_csv(self.out / "similarity.csv")
        self.origin = {s.name: s.origin for s in students}
        self.origin.update({f"public/{s.name}": s.origin for s in against})

    def planted(self, row):
        return self.origin[row["student_a"]] == self.origin[row["student_b"]]


def generate(root, seed):
    students, against = generate_class(independents=36, seed=seed)
    class_dir, public_dir = write_class(root, students, against)
    result = run_cli("similar", class_dir, "--against", public_dir, "--out", root / "out")
    assert result.exit_code == 0, result.output
    return Generated(root, students, against, result)


@pytest.fixture(scope="session")
def generated_class(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("similar-class"), seed=2026)
