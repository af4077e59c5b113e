"""The final part inside `nndl-hw4 grade`: the dataset once, up front, then one score per submission.

Whether CIFAR-10 is needed is decided before any submission is graded: it is
when the rubric has an accuracy question and some submission may hold a
``model.npz`` (a conservative look at file names, without staging). Then a
missing dataset stops the run with one DataError (a grader problem, with the
download hint) instead of costing every student the final part. A class with
no saved model at all needs no dataset: each submission scores 0 there, with
the reason.
"""

import os
import zipfile
from dataclasses import replace
from pathlib import PurePosixPath

from ..errors import DataError
from ..handin import MAX_DEPTH, MODEL_FILE
from .dataset import SPLITS, load_split
from .model_file import MISSING, too_big
from .score import ModelScore, score_saved_model


def accuracy_splits(rubric):
    """The splits ('val', 'test') the rubric's accuracy questions are scored on, sorted."""
    return sorted({q.split for q in rubric.questions if q.kind == "accuracy" and q.scored_now})


def may_hold_model(submission):
    """False only when `submission` certainly holds no model.npz where staging would look."""
    if submission.kind == "zip":
        try:
            with zipfile.ZipFile(submission.path) as archive:
                return any(PurePosixPath(n.replace("\\", "/")).name == MODEL_FILE for n in archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return False   # unreadable: it fails to grade before any model is scored
    if submission.kind != "dir":
        return False       # symbolic links are refused when staged
    top = str(submission.path)
    for folder, dirs, files in os.walk(top):   # os.walk does not follow symlinked folders
        if MODEL_FILE in files or MODEL_FILE in dirs:
            return True
        depth = 0 if folder == top else os.path.relpath(folder, top).count(os.sep) + 1
        if depth > MAX_DEPTH:   # staging looks MAX_DEPTH folders down; one more to be safe
            dirs.clear()
    return False


def prepare(setup, submissions, cifar10_dir=None):
    """`setup` (grading.grade.Setup) with the data its run needs: DataError now, when it is missing.

    `cifar10_dir` (default: the setup's) is where cifar-10-batches-py is.
    """
    if cifar10_dir is not None:
        setup = replace(setup, cifar10_dir=cifar10_dir)
    splits = [s for s in accuracy_splits(setup.rubric) if s not in setup.datasets]
    if not splits:
        return setup
    holders = [s.name for s in submissions if may_hold_model(s)]
    if not holders:
        return setup
    try:
        datasets = {split: load_split(split, setup.cifar10_dir) for split in splits}
    except DataError as error:
        some = ", ".join(holders[:3]) + (", ..." if len(holders) > 3 else "")
        raise DataError(f"{error.message}; it is needed to score the final part ({len(holders)} submission(s) "
                        f"hold a {MODEL_FILE}: {some})", hint=error.hint) from None
    return replace(setup, datasets={**setup.datasets, **datasets})


def score_model(model_path, split, datasets, oversized=None):
    """ModelScore of the staged model (None: not handed in) on the prepared split.

    `oversized` is the size in bytes of a model.npz staging left behind for being over the cap.
    """
    if oversized is not None:
        return ModelScore(split=split, fraction=0.0, problem=too_big(MODEL_FILE, oversized))
    if model_path is None:
        return ModelScore(split=split, fraction=0.0, problem=MISSING)
    data = datasets.get(split)
    if data is None:
        raise RuntimeError(f"{MODEL_FILE} found, but the {SPLITS[split]} split was not prepared before grading")
    return score_saved_model(model_path, split, data=data)


def fingerprints(datasets):
    """{split: fingerprint} of the prepared data, for cache keys."""
    return {split: data.fingerprint for split, data in sorted(datasets.items())}
