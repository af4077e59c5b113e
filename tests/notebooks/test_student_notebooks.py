"""The student notebooks in assignment/ run, with the stub modules, up to the first student-code check.

Everything before that check (otter's init cell, the imports, loading the
data) must work out of the box; the check itself must stop with the stub's
NotImplementedError naming the function to write.
"""

import pytest

from .conftest import REPO, errors, execute, kernel_env, lay_out

FIRST_CHECK = {   # notebook: (cell id of the first student-code check, what it reports)
    "optimization": ("hw3-check", "affine_forward: not implemented yet"),
    "batchnorm": ("bn-train-check", "batchnorm_forward: not implemented yet"),
    "dropout": ("dropout-forward-check", "dropout_forward: not implemented yet"),
}


@pytest.mark.parametrize("name", sorted(FIRST_CHECK))
def test_runs_up_to_the_first_student_check(name, cifar10_dir, tmp_path):
    release = REPO / "assignment"
    path = lay_out(tmp_path / name, name, (release / f"{name}.ipynb").read_bytes(), release)
    nb, error = execute(path, kernel_env(cifar10_dir))
    cell, message = FIRST_CHECK[name]
    assert error is not None, f"{name}: the stubs ran through every check"
    [(where, ename, evalue)] = errors(nb)
    assert (where, ename) == (cell, "NotImplementedError") and evalue.startswith(message), errors(nb)
    ids = [c.get("id") for c in nb.cells]
    ran = [c for c in nb.cells[:ids.index(cell)] if c.cell_type == "code"]
    assert ran and all(c.execution_count for c in ran), f"{name}: a cell before {cell} did not run"
