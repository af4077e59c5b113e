"""The built-in example class of ``nndl-hw4 grade --demo``: no dataset, no files needed.

Every example is generated from the installed reference: the reference itself,
the starter code (every ``YOUR CODE HERE`` region stubbed, as ``nndl-hw4
build`` does with an empty ``solved`` list), and realistic partial
submissions made of classic mistakes from the course's mutant catalogue plus
functions left unstarted. One is a zip laid out like an otter export.
"""

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from . import course as courses
from . import mutants
from .grading.submission import Submission
from .release.regions import find_regions
from .release.stubs import make_stub


@dataclass(frozen=True)
class Example:
    name: str
    description: str
    mistakes: tuple = ()      # mutation ids
    unstarted: tuple = ()     # function qualnames left as stubs (None: all of them)
    otter_zip: bool = False


EXAMPLES = (
    Example("reference", "the reference solution: full marks on every automatic question"),
    Example("starter-code", "the release as handed out, every YOUR CODE HERE stubbed: 0 everywhere",
            unstarted=None),
    Example("alice-unfinished", "Adam without bias correction; batchnorm backward, dropout and "
                                "the network's loss not started",
            mistakes=("adam-no-bias-correction",),
            unstarted=("batchnorm_backward", "dropout_forward", "dropout_backward", "FullyConnectedNet.loss")),
    Example("bob-otter-export", "an otter export zip, all written, three classic mistakes: RMSProp "
                                "steps with the old cache, dropout reads p with the other convention, no "
                                "regularisation gradient on the last layer",
            mistakes=("rmsprop-step-with-old-cache", "dropout-other-convention", "fc-no-reg-gradient-last-layer"),
            otter_zip=True),
)


def example_texts(example, course=courses.DEFAULT):
    """{module: source} of one example, written for `course`."""
    texts = mutants.apply([mutants.by_id(m, course) for m in example.mistakes], mutants.reference_sources(course))
    for module, text in texts.items():
        regions = find_regions(text, f"nndl/{module}.py")
        keep = {r.key for r in regions
                if example.unstarted is not None and r.qualname not in example.unstarted}
        texts[module] = make_stub(text, f"nndl/{module}.py", keep)
    return texts


def _notebook():
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# HW4 (demo)"]}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def write_examples(folder, course=courses.DEFAULT):
    """Write every example of `course` under `folder`; [(Submission, description)] in EXAMPLES order."""
    folder = Path(folder)
    out = []
    for example in EXAMPLES:
        texts = example_texts(example, course)
        if example.otter_zip:
            path = folder / f"{example.name}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("FullyConnectedNets.ipynb", _notebook())
                archive.writestr("nndl/__init__.py", "")
                for module, text in texts.items():
                    archive.writestr(f"nndl/{module}.py", text)
            out.append((Submission(example.name, path, "zip"), example.description))
        else:
            mutants.write_package(folder / example.name, texts)
            out.append((Submission(example.name, folder / example.name, "dir"), example.description))
    return out
