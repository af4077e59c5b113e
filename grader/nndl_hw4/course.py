"""The course: what the HW4 student package is, and the choices that differ between years, stated once.

Two kinds of facts live here, in the spirit of otter's ``AutograderConfig``
(named keys, each with its description and default):

- the **manifest** of the student package: its modules in the order they
  import each other, which modules import which, which modules hold the
  layers (graded by the layer questions, trusted in the network questions)
  and which the network;
- the **settings** an instructor chooses in the ``[course]`` table of
  ``release.toml`` (``SETTINGS``): the dropout convention and the starter's
  dropout gate. The build and the grader both read that one file
  (``load_course``); everything else computes from a ``Course``.

Hand-written texts (the reference's docstrings and code, the notebooks' prose
and checks) are written once, in the SOURCE course (keep, ``dropout > 0``).
``TEXTS`` lists every passage of them that depends on a setting, as a
template; ``localise`` rewrites them for another course, and the test suite
asserts that each template occurs in its file exactly once, so the prose can
never drift from the declaration.
"""

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from string import Template

from .errors import UsageError

# --------------------------------------------------------------------------- manifest

PACKAGE = "nndl"
MODULES = ("layers", "layer_utils", "optim", "fc_net")     # each after the modules it imports
IMPORTS = {                                                 # what a module of the submission imports
    "nndl.layer_utils": ("nndl.layers",),
    "nndl.fc_net": ("nndl.layers", "nndl.layer_utils"),
    "utils.solver": ("nndl.optim",),
}
GIVEN = "utils"                      # given to students complete: the grader always uses its own copy
LAYER_MODULES = ("layers", "layer_utils")   # the layers: graded on their own, trusted in the network
NETWORK_MODULE = "fc_net"


def module_names():
    """'nndl.layers', ... in import order."""
    return tuple(f"{PACKAGE}.{m}" for m in MODULES)


def needs(modules):
    """The modules a check needing `modules` needs, with what they import."""
    return set(modules).union(*(IMPORTS.get(m, ()) for m in modules))


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    key: str
    description: str
    default: str
    choices: dict            # value -> what it means


SETTINGS = (
    Setting("dropout", "What dropout_param['p'] (and FullyConnectedNet's `dropout`) means.", "keep", {
        "keep": "p is the probability of KEEPING a unit: train mask = (rand < p) / p (the course's handout "
                "since 2019: \"We keep each neuron output with probability p.\")",
        "drop": "p is the probability of DROPPING a unit: train mask = (rand >= p) / (1 - p) (ECE239AS, "
                "CS231n 2016: \"We drop each neuron output with probability p.\")",
    }),
    Setting("fc_gate", "The starter's FullyConnectedNet default for `dropout` and the test that switches "
                       "dropout on (starter code outside the regions; the grader works with both).",
            "dropout > 0", {
                "dropout > 0": "FullyConnectedNet(..., dropout=0, ...); use_dropout = dropout > 0",
                "dropout < 1": "FullyConnectedNet(..., dropout=1, ...); use_dropout = dropout < 1",
            }),
)
SETTING = {s.key: s for s in SETTINGS}
TABLE = "course"          # the table of release.toml that holds the settings


@dataclass(frozen=True)
class Course:
    """One course's settings (see SETTINGS) and everything that follows from them."""

    dropout: str = SETTING["dropout"].default
    fc_gate: str = SETTING["fc_gate"].default

    def __post_init__(self):
        for setting in SETTINGS:
            value = getattr(self, setting.key)
            if value not in setting.choices:
                raise CourseError(f"[{TABLE}] {setting.key} = {value!r} is not a choice",
                                  hint=f"{setting.key}: {setting.description} Choices: "
                                       + "; ".join(f"{k!r}: {v}" for k, v in setting.choices.items()))

    # --- the dropout convention
    @property
    def keeps(self):
        """Whether p is the probability of keeping a unit."""
        return self.dropout == "keep"

    def keep_probability(self, p):
        return p if self.keeps else 1 - p

    def drop_probability(self, p):
        return 1 - p if self.keeps else p

    @property
    def p_means(self):
        """'the probability of KEEPING a unit': what a student reads about p."""
        return f"the probability of {'KEEPING' if self.keeps else 'DROPPING'} a unit"

    @property
    def other(self):
        """The same course with the other dropout convention (a classic mistake's course)."""
        return replace(self, dropout="drop" if self.keeps else "keep")

    # --- the starter's gate
    @property
    def no_dropout(self):
        """The value of FullyConnectedNet's `dropout` that switches dropout off."""
        return 0 if self.fc_gate == "dropout > 0" else 1

    def words(self):
        """What a template ($NAME) may say, for this course."""
        return {
            "KEEP": "p" if self.keeps else "(1 - p)",          # the keep probability, in code
            "DROP": "(1 - p)" if self.keeps else "p",
            "VERB": self.dropout,                              # "We keep each neuron output ..."
            "OTHER_VERB": "drop" if self.keeps else "keep",
            "MEANS": "KEEPING" if self.keeps else "DROPPING",
            "P_MEANS": self.p_means,
            "GATE": self.fc_gate,
            "NO_DROPOUT": str(self.no_dropout),
            "P75": "0.75" if self.keeps else "0.25",           # p that keeps 75% of the units
        }

    def render(self, template):
        return Template(template).substitute(self.words())

    def describe(self):
        """One line for headers: 'dropout p = the probability of KEEPING a unit; starter gate dropout > 0'."""
        return f"dropout p = {self.p_means}; starter gate {self.fc_gate}"

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


DEFAULT = Course()
SOURCE = Course()       # the course solutions/ is written in


CONFIG_NAME = "release.toml"


def resolve(path=None):
    """(Course, where it came from) for a command: the [course] table of `path`, else of ./release.toml
    when the command runs in the kit (or a folder holding its release config), else the defaults."""
    if path is not None:
        return load_course(path), str(path)
    here = Path(CONFIG_NAME)
    if here.is_file():
        return load_course(here), CONFIG_NAME
    return DEFAULT, "the defaults"


PACKAGED = "course.toml"     # a built grader (otter autograder, Gradescope) carries its course here


def settings_toml(course):
    """The [course] table of `course`, as TOML text (what a built grader carries)."""
    lines = [f"[{TABLE}]"] + [f'{key} = "{value}"' for key, value in course.as_dict().items()]
    return "\n".join(lines) + "\n"


def packaged():
    """The course a built grader was made for: nndl_hw4/course.toml when the build put one there,
    else the defaults."""
    from importlib import resources
    path = resources.files(__package__).joinpath(PACKAGED)
    if not path.is_file():
        return DEFAULT
    return load_course(Path(str(path)))


class CourseError(UsageError):
    """The [course] table of the release config is not valid."""


def course_from(table, where="release.toml"):
    """A Course from a parsed ``[course]`` table (unknown keys and values are errors)."""
    if not isinstance(table, dict):
        raise CourseError(f"{where}: [{TABLE}] must be a table")
    unknown = sorted(set(table) - set(SETTING))
    if unknown:
        raise CourseError(f"{where}: unknown key(s) in [{TABLE}]: {', '.join(unknown)}",
                          hint="the keys are " + ", ".join(s.key for s in SETTINGS))
    for key, value in table.items():
        if not isinstance(value, str):
            raise CourseError(f"{where}: [{TABLE}] {key} must be a string, one of "
                              + ", ".join(repr(c) for c in SETTING[key].choices))
    try:
        return Course(**table)
    except CourseError as error:
        raise CourseError(f"{where}: {error.message}", hint=error.hint) from None


def load_course(path):
    """The Course of a release config file (its ``[course]`` table; defaults where it says nothing)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path} not found", hint="pass the kit's release.toml (or a copy of it)") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{path}: not valid TOML: {error}") from None
    return course_from(data.get(TABLE, {}), str(path))


# --------------------------------------------------------------------------- localised texts

@dataclass(frozen=True)
class Text:
    """A passage of a hand-written file (relative to solutions/) that depends on the course."""

    file: str
    template: str


TEXTS = (
    # The reference layer: its docstring and its mask.
    Text("nndl/layers.py", "  - p: Dropout parameter. We $VERB each neuron output with probability p.\n"),
    Text("nndl/layers.py", "mask = ((np.random.rand(*x.shape) < $KEEP) / $KEEP).astype(x.dtype, copy=False)"),
    # The network: what `dropout` means, its default and its gate (starter lines).
    Text("nndl/fc_net.py", "giving the dropout parameter p of every dropout layer, the\n"
                           "          probability of $MEANS a unit. If dropout=$NO_DROPOUT then the network\n"
                           "          should not use dropout at all."),
    Text("nndl/fc_net.py", "dropout=$NO_DROPOUT, use_batchnorm=False, reg=0.0,"),
    Text("nndl/fc_net.py", "self.use_dropout = $GATE\n"),
    # The dropout notebook: the prompt, the check cell, the experiments.
    Text("dropout.ipynb", "Here `p` is the probability of $MEANS a unit, and the dropout is inverted: at "
                          "training time the kept units are scaled by `1 / $KEEP`"),
    Text("dropout.ipynb", "  keep = $KEEP   # p is the probability of $MEANS a unit\n"),
    Text("dropout.ipynb", "for dropout in [$NO_DROPOUT, 0.25, 0.5]:"),
    Text("dropout.ipynb", "dropout_choices = [$NO_DROPOUT, 0.6]"),
    Text("dropout.ipynb", "use_batchnorm=True, dropout=$P75)"),
)


def texts_of(file):
    return [t for t in TEXTS if t.file == file]


class LocaliseError(RuntimeError):
    """A declared passage is not in its file exactly once (the file and the declaration disagree)."""


def localise(text, file, course, source=SOURCE):
    """`text` (the hand-written `file`, in the `source` course) rewritten for `course`."""
    for passage in texts_of(file):
        old, new = source.render(passage.template), course.render(passage.template)
        count = text.count(old)
        if count != 1:
            raise LocaliseError(f"{file}: the course passage {old!r} occurs {count} times (expected once): "
                                "edit the file or nndl_hw4.course.TEXTS so that they agree")
        text = text.replace(old, new)
    return text
