"""Scoring a saved model: rebuild it with the trusted reference network and measure its accuracy.

The student's code is not involved: ``model.npz`` is data (validated by
model_file.py), the network that computes the scores is the reference
FullyConnectedNet in test mode (batchnorm with the saved running statistics,
no dropout), and the images are the held-out split (dataset.py). The points
follow spec section 4 through scoring.accuracy_fraction, the one
implementation of the formula.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..runtime import network
from ..scoring import ACCURACY_STEPS, accuracy_fraction
from .dataset import SPLITS, load_split
from .model_file import INPUT_DIM, NUM_CLASSES, ModelFileError, load_saved_model

CHUNK = 500   # images per forward pass: bounds the activations' memory


def percent_text(percent):
    """57.3, 60.0, 57.35: an accuracy in percent as students read it."""
    text = f"{percent:.2f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def describe(info, max_points=None):
    """One line for a student from a ModelScore's record dict: 'validation accuracy 57.3% → 25/28 of 20 points'."""
    of = "the points" if max_points is None else f"{max_points:.2f}".rstrip("0").rstrip(".") + " points"
    if info.get("problem"):
        return f"{info['problem']} → 0/{ACCURACY_STEPS} of {of}"
    return (f"{SPLITS[info['split']]} accuracy {percent_text(info['percent'])}% "
            f"→ {info['steps']}/{ACCURACY_STEPS} of {of}")


@dataclass(frozen=True)
class ModelScore:
    """The final part's result for one saved model."""

    split: str                     # "val" | "test"
    fraction: float                # share of the final part's points, 0..1
    accuracy: float | None = None  # correct / images; None when the model could not be evaluated
    correct: int = 0
    images: int = 0
    problem: str | None = None     # why the model scores 0 without being evaluated (student-facing)

    @property
    def percent(self):
        return None if self.accuracy is None else round(self.accuracy * 100, 6)

    @property
    def steps(self):
        """Points earned in 28ths (spec section 4: one step per percent above 32)."""
        return round(self.fraction * ACCURACY_STEPS)

    def as_record(self):
        """Plain data for the grading record (reports are rendered from it)."""
        return {"split": self.split, "accuracy": self.accuracy, "percent": self.percent, "correct": self.correct,
                "images": self.images, "steps": self.steps, "fraction": self.fraction, "problem": self.problem}

    @property
    def message(self):
        return describe(self.as_record())


def rebuild(saved):
    """The reference FullyConnectedNet holding the saved parameters and running statistics, in test mode.

    It is constructed at a toy size in a private copy of the reference (runtime.network: its random
    initial weights would cost as much memory as the model, and come from a generator of its own) and
    then given every saved parameter: the forward pass depends only on params, bn_params and its flags.
    """
    model = network(len(saved.hidden_dims), saved.use_batchnorm, saved.dtype)
    model.params = dict(saved.params)
    for bn_param, (mean, var) in zip(model.bn_params, saved.running):
        bn_param["running_mean"], bn_param["running_var"] = mean, var
    return model


def evaluate(saved, split):
    """(correct, images) of the SavedModel `saved` on the Split `split`."""
    model = rebuild(saved)
    correct = 0
    with np.errstate(all="ignore"):   # overflow in a float16 model only makes its predictions wrong
        for start in range(0, len(split.y), CHUNK):
            X = split.X[start:start + CHUNK].reshape(-1, INPUT_DIM)   # (n, 3072), as affine_forward sees it
            scores = model.loss(X)                                     # (n, 10), test mode: y is None
            if scores.shape != (len(X), NUM_CLASSES):
                raise RuntimeError(f"the reference network returned scores of shape {scores.shape}")
            finite = np.isfinite(scores).all(axis=1)                   # a NaN row counts as wrong
            correct += int(np.sum(finite & (scores.argmax(axis=1) == split.y[start:start + CHUNK])))
    return correct, len(split.y)


def score_saved_model(path, split="val", cifar10_dir=None, data=None):
    """
    Score the model saved at `path` (a model.npz written by save_model) for the final part.

    Inputs:
    - path: The saved model.
    - split: "val" (validation: training rows 49000..49999) or "test" (the first
      1000 test images), mean training image subtracted as in get_CIFAR10_data.
    - cifar10_dir: Where cifar-10-batches-py is (default: $CIFAR10_DIR, then the
      working directory).
    - data: A prepared dataset.Split to use instead (batches pass the cached one).

    Returns a ModelScore: .fraction (0..1, spec section 4), .message for the
    student, .accuracy (None when the file was unusable: then .problem says why
    and .fraction is 0). A missing or unreadable dataset raises DataError: that
    is the grading machine's problem, not the student's.
    """
    if split not in SPLITS:
        raise UsageError(f"unknown split {split!r}: use 'val' (validation) or 'test'")
    if data is not None and data.name != split:
        raise ValueError(f"data holds the {data.name!r} split, not {split!r}")
    try:
        saved = load_saved_model(path)
    except ModelFileError as error:
        return ModelScore(split=split, fraction=0.0, problem=error.message)
    data = data if data is not None else load_split(split, cifar10_dir)
    correct, images = evaluate(saved, data)
    accuracy = correct / images
    return ModelScore(split=split, fraction=accuracy_fraction(accuracy), accuracy=accuracy,
                      correct=correct, images=images)
