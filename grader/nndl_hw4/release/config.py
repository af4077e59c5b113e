"""``release.toml``: the instructor's choices for the student release (and the course's, for grading).

Keys: ``solved``, the qualnames of functions whose ``YOUR CODE HERE`` regions
ship with the reference body instead of a stub (naming a function solves all
its regions); and the ``[course]`` table (nndl_hw4.course: what dropout's p
means, the starter's gate), which ``nndl-hw4 grade --config`` reads too.
Unknown keys and unknown names are errors, so a typo never silently ships a
stub, or a solution.
"""

import tomllib
from dataclasses import dataclass, field

from .. import course as courses
from ..errors import UsageError

CONFIG_NAME = courses.CONFIG_NAME


class ReleaseConfigError(UsageError):
    """release.toml is missing, not valid TOML, or names something that does not exist."""


@dataclass(frozen=True)
class ReleaseConfig:
    """The parsed release.toml."""

    solved: tuple = ()  # qualnames whose regions ship solved; default: none
    course: courses.Course = field(default_factory=courses.Course)   # the [course] table


def load_config(root):
    """Read ``root / release.toml``."""
    path = root / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseConfigError(
            f"{path} not found",
            hint=f"create {CONFIG_NAME} in the kit root; 'solved = []' ships every region as a stub",
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ReleaseConfigError(f"{path}: not valid TOML: {error}") from None

    unknown = sorted(set(data) - {"solved", courses.TABLE})
    if unknown:
        raise ReleaseConfigError(f"{path}: unknown key(s) {', '.join(unknown)}",
                                 hint=f"the keys are 'solved' and the [{courses.TABLE}] table")
    solved = data.get("solved", [])
    if not isinstance(solved, list) or not all(isinstance(name, str) for name in solved):
        raise ReleaseConfigError(
            f"{path}: 'solved' must be a list of function qualnames",
            hint='for example: solved = ["affine_forward", "FullyConnectedNet.__init__"]',
        )
    return ReleaseConfig(solved=tuple(solved), course=courses.course_from(data.get(courses.TABLE, {}), str(path)))


def check_names(config, known, where=CONFIG_NAME):
    """Raise unless every name in ``config.solved`` is in ``known`` (the qualnames that have regions)."""
    unknown = [name for name in config.solved if name not in known]
    if unknown:
        raise ReleaseConfigError(
            f"{where}: 'solved' names no YOUR CODE HERE region: {', '.join(unknown)}; "
            f"valid qualnames: {', '.join(sorted(known))}",
            hint="name a function as Python's __qualname__ does (FullyConnectedNet.loss); "
            "naming a function solves all its regions",
        )
