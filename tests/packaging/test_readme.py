"""The README's two set-up commands are the ones CI runs, verbatim (.ci/run)."""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _setup_commands():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, re.S)


def test_the_readme_has_two_setup_commands_install_and_test():
    install, test = _setup_commands()
    assert "pip install" in install and "nndl-hw4 grade --demo" in install
    assert "pytest" in test


def test_ci_runs_the_readme_commands_verbatim():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    for command in _setup_commands():
        assert command in ci, f".ci/run must run the README's command verbatim: {command}"
