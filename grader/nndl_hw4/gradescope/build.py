"""The Gradescope autograder zip: setup.sh, run_autograder, the grader as a wheel, the rubric.

Layout (Gradescope unpacks it into /autograder/source):

    setup.sh                      image build: Python >= 3.11, bubblewrap, the wheel, CIFAR-10
    run_autograder                per submission: `python -m nndl_hw4.gradescope.run`
    nndl_hw4-<version>-py3-none-any.whl   the installed kit that built the zip (wheel.py)
    rubric.toml                   the rubric in use (--rubric, else the packaged one)
    config.json                   options of the run (timeout, sandbox, the course's settings, kit version)
"""

import json
import zipfile
from importlib import resources
from pathlib import Path

from .. import __version__
from .. import course as courses
from ..checks import all_checks
from ..errors import UsageError
from ..rubric import default_rubric_path, load_rubric
from ..sandbox.limits import Limits
from .run import CONFIG_JSON, RUBRIC_TOML
from .wheel import EXECUTABLE, build_wheel, zip_entry

DEFAULT_OUT = Path("dist") / "gradescope" / "autograder.zip"
SCRIPTS = ("setup.sh", "run_autograder")


def build_autograder(out=DEFAULT_OUT, rubric_path=None, timeout=None, sandbox="auto", course=courses.DEFAULT):
    """Write the autograder zip to `out`; returns (out, rubric)."""
    rubric = load_rubric(rubric_path, all_checks(course))   # validated now, not on Gradescope
    rubric_text = (default_rubric_path() if rubric_path is None else Path(rubric_path)).read_text(encoding="utf-8")
    timeout = Limits().timeout if timeout is None else timeout
    if not timeout > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {timeout:g}")
    config = {"kit_version": __version__, "timeout": timeout, "sandbox": sandbox, "course": course.as_dict()}
    wheel, wheel_bytes = build_wheel()
    out = Path(out)
    if out.is_dir():
        raise UsageError(f"--out {out} is a folder", hint="pass the path of the .zip to write")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name in SCRIPTS:
            zip_entry(archive, name, resources.files(__package__).joinpath(name).read_bytes(), EXECUTABLE)
        zip_entry(archive, wheel, wheel_bytes)
        zip_entry(archive, RUBRIC_TOML, rubric_text.encode("utf-8"))
        zip_entry(archive, CONFIG_JSON, json.dumps(config, indent=2).encode() + b"\n")
    tmp.replace(out)
    return out, rubric
