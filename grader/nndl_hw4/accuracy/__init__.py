"""The final part: score a saved model (model.npz) by its accuracy on held-out CIFAR-10 images.

- model_file.py: read and validate the untrusted .npz (no pickle, size and zip-bomb caps, architecture).
- dataset.py: the validation or test split, prepared like get_CIFAR10_data in little memory, cached.
- score.py: rebuild the model with the trusted reference network and score it (spec section 4).
- batch.py: what `nndl-hw4 grade` needs around that (the dataset up front, one score per submission).
"""

from .dataset import SPLITS, Split, load_split
from .model_file import ModelFileError, SavedModel, load_saved_model
from .score import ModelScore, describe, score_saved_model

__all__ = ["SPLITS", "ModelFileError", "ModelScore", "SavedModel", "Split", "describe", "load_saved_model",
           "load_split", "score_saved_model"]
