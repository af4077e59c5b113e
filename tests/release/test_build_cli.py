"""The CLI's error output for the release builder: one ERROR line, a TIP, the exit code."""

import pytest

from .conftest import run_cli


def _no_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return []


def _solutions_without_pyproject(tmp_path, monkeypatch):
    (tmp_path / "solutions" / "nndl").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "solutions" / "nndl")
    return []


def _root_without_solutions(tmp_path, monkeypatch):
    return ["--root", str(tmp_path)]


def _unknown_name(kit, monkeypatch):
    (kit / "release.toml").write_text('solved = ["adamm"]\n')
    return ["--root", str(kit)]


def _malformed_banner(kit, monkeypatch):
    path = kit / "solutions" / "nndl" / "optim.py"
    lines = path.read_text().splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if "END YOUR CODE HERE" in line)
    path.write_text("".join(lines[: end - 1] + lines[end + 2 :]))  # drop the first closing banner
    return ["--root", str(kit)]


def _region_in_utils(kit, monkeypatch):
    source = (kit / "solutions" / "nndl" / "optim.py").read_text()
    (kit / "solutions" / "utils" / "extra.py").write_text(source)
    return ["--root", str(kit)]


def _region_crossing_blocks(kit, monkeypatch):
    """Valid reference whose stub is not: the region swallows the ``except`` of a ``try``."""
    banner = "        # ================================================================ #\n"
    (kit / "solutions" / "nndl" / "extra.py").write_text(
        "def f(x):\n    try:\n"
        f"{banner}        # YOUR CODE HERE:\n        #   Do it.\n{banner}"
        "        y = 1 / x\n    except ZeroDivisionError:\n"
        f"{banner}        # END YOUR CODE HERE\n{banner}"
        "        y = 0\n    return y\n"
    )
    return ["--root", str(kit)]


@pytest.mark.parametrize(
    ("scenario", "exit_code", "error", "tip"),
    [
        pytest.param(_no_root, 2, "ERROR: no kit root found: no folder from ", "TIP: run nndl-hw4 inside", id="no-kit-root"),
        pytest.param(_solutions_without_pyproject, 2, "ERROR: no kit root found", "TIP: run nndl-hw4 inside",
                     id="solutions-without-pyproject"),
        pytest.param(_root_without_solutions, 2, "ERROR: ", "TIP: pass --root DIR", id="root-without-solutions"),
        pytest.param(_unknown_name, 2, "ERROR: release.toml: 'solved' names no YOUR CODE HERE region: adamm; valid qualnames: FullyConnectedNet.__init__, ",
                     "TIP: name a function as Python's __qualname__", id="unknown-solved-name"),
        pytest.param(_malformed_banner, 2, "ERROR: solutions/nndl/optim.py:95: nested 'YOUR CODE HERE' banner",
                     "TIP: fix the banner", id="malformed-banner"),
        pytest.param(_region_in_utils, 2, "ERROR: solutions/utils/extra.py:66: utils/ is copied to students as it is",
                     "TIP: move sgd_momentum into nndl/", id="region-in-utils"),
        pytest.param(_region_crossing_blocks, 1, "ERROR: the stub generated from solutions/nndl/extra.py is not valid Python",
                     "TIP: check the indentation", id="stub-not-valid-python"),
    ],
)
def test_errors_are_reported_as_error_and_tip(kit, tmp_path, monkeypatch, scenario, exit_code, error, tip):
    empty = tmp_path / "empty"
    empty.mkdir()
    args = scenario(empty if scenario in (_no_root, _solutions_without_pyproject, _root_without_solutions) else kit, monkeypatch)
    result = run_cli("build", "--check", *args)
    assert result.exit_code == exit_code
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(error)
    assert lines[1].startswith(tip)
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_malformed_banner_names_file_and_line(kit, monkeypatch):
    _malformed_banner(kit, monkeypatch)
    result = run_cli("build", "--root", str(kit))
    assert result.exit_code == 2
    # The END banner of sgd_momentum (line 66) is gone, so the next region's opening (line 98,
    # 95 after the 3 removed lines) is the first sign of trouble.
    assert result.stderr.startswith(
        "ERROR: solutions/nndl/optim.py:95: nested 'YOUR CODE HERE' banner inside the region opened at line 66\n"
    )
    assert not (kit / "assignment").exists()


def test_help_lists_the_options():
    result = run_cli("build", "--help")
    assert result.exit_code == 0
    assert "--check" in result.stdout and "--root" in result.stdout
