"""What a real submission may carry that is not its own work: editor auto-imports, the course's __init__.py.

An unused ``from matplotlib.pyplot import axis`` (or ``from IPython.display
import display``) left by an editor, and the starter ``nndl/__init__.py`` of
some years, which imports modules students never hand in, must cost nothing:
the notebooks' packages are importable read-only in both backends (headless,
matplotlib's font cache prebuilt by the grader) and the kit's own empty
``__init__.py`` replaces the student's.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from nndl_hw4 import mutants
from nndl_hw4.checks import all_checks

from .helpers import attack_at_import, grade, write_submission

COURSE_INIT = "from .neural_net import *\nfrom .layer_tests import *\n"   # the course's own, some years


def _failures(graded):
    return {c: graded.verdicts[c].message for c in graded.failed()}


def test_editor_auto_imports_keep_full_marks(backend, tmp_path):
    texts = mutants.reference_sources()
    texts["layers"] = "from matplotlib.pyplot import axis\n" + texts["layers"]      # the line the editor added
    texts["fc_net"] = "from IPython.display import display\n" + texts["fc_net"]
    graded = grade(backend, write_submission(tmp_path / "sub", texts), tmp_path / "ws", checks=all_checks())
    assert graded.failed() == set(), _failures(graded)
    assert graded.stats.children == 1


def test_the_students_own_init_is_never_run(backend, tmp_path):
    nndl = write_submission(tmp_path / "sub", mutants.reference_sources())
    (nndl / "__init__.py").write_text(COURSE_INIT)
    # Run as the student's package, it really breaks every module (the modules it imports are absent)...
    broken = subprocess.run([sys.executable, "-c", "import nndl.optim"], cwd=nndl.parent, capture_output=True,
                            text=True)
    assert "No module named 'nndl.neural_net'" in broken.stderr
    # ...and graded, it is replaced by the kit's own empty one.
    graded = grade(backend, nndl, tmp_path / "ws", checks=all_checks())
    assert graded.failed() == set(), _failures(graded)


FONTS = """
import json, os
folder = os.environ["MPLCONFIGDIR"]
before = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
stamps = lambda: [os.stat(os.path.join(folder, n)).st_mtime_ns for n in sorted(os.listdir(folder))]
seeded = stamps() if before else []
plt = __import__(%r, fromlist=["_"])
plt.figure()
plt.plot([0, 1], [1, 0])
plt.title("headless")
plt.savefig(os.path.join(os.path.dirname(folder), "plot.png"))
print("HW4-REPORT " + json.dumps({"before": before, "after": sorted(os.listdir(folder)),
                                  "rewritten": seeded != stamps()[:len(seeded)],
                                  "backend": plt.get_backend()}), flush=True)
"""


@pytest.fixture
def open_tmp():
    """A folder others may enter, as the default temporary folder is: matplotlib checks that its
    MPLCONFIGDIR is writable with access(2), which a root grader's throw-away uid passes only
    if it can enter every folder above it (pytest's own tmp_path is root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="nndl-hw4-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_matplotlib_gets_the_prebuilt_font_cache_when_it_is_named(backend, tmp_path, open_tmp):
    named = grade(backend, write_submission(tmp_path / "a", attack_at_import(FONTS % "matplotlib.pyplot")),
                  open_tmp / "ws-a", checks=all_checks()[:3])
    # Hidden from the scan ("matplot" + "lib"): no prebuilt cache, matplotlib builds its own.
    hidden = grade(backend, write_submission(tmp_path / "b", attack_at_import(
        FONTS.replace("%r", '"matplot" + "lib.pyplot"'))), open_tmp / "ws-b", checks=all_checks()[:3])
    for graded in (named, hidden):
        assert graded.failed() == set(), _failures(graded)
        assert graded.report()["backend"].lower() == "agg"
    fontlist = [n for n in named.report()["after"] if n.startswith("fontlist-")]
    assert fontlist and named.report()["before"] == fontlist and not named.report()["rewritten"]
    assert hidden.report()["before"] == [] and hidden.report()["after"] == fontlist
