"""model.npz is untrusted data: every bad file scores 0 with its own message, and nothing unsafe happens.

These need no dataset: a model file is checked before any image is loaded.
"""

import tracemalloc

import numpy as np
import pytest

from nndl_hw4.accuracy import ModelFileError, load_saved_model, score_saved_model
from nndl_hw4.reference.utils.model_io import save_model

from .conftest import BAD_MODELS, bad_model, lying_header_npz, saved_arrays, small_model


@pytest.mark.parametrize("scenario", list(BAD_MODELS))
def test_a_bad_model_file_scores_0_with_its_message(scenario, tmp_path, monkeypatch):
    monkeypatch.setenv("CIFAR10_DIR", str(tmp_path / "no-data-needed"))
    path = bad_model(scenario, tmp_path)
    score = score_saved_model(path)
    assert score.fraction == 0 and score.accuracy is None and score.steps == 0
    assert BAD_MODELS[scenario] in score.problem
    assert score.message == f"{score.problem} → 0/28 of the points"


def test_a_pickled_object_array_is_never_unpickled(tmp_path):
    bad_model("pickled-object-array", tmp_path)
    with pytest.raises(ModelFileError, match="pickled data"):
        load_saved_model(tmp_path / "model.npz")
    assert not (tmp_path / "unpickled").exists()


def test_a_lying_npy_header_allocates_nothing(tmp_path):
    path = lying_header_npz(tmp_path / "model.npz", saved_arrays(tmp_path))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="malformed"):
            load_saved_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20   # the header claims 80 GB


@pytest.mark.parametrize(("hidden_dims", "use_batchnorm", "dtype"), [
    pytest.param((20,), True, np.float32, id="batchnorm-float32"),
    pytest.param((30, 20), False, np.float64, id="two-layers-float64"),
    pytest.param((), False, np.float32, id="no-hidden-layer"),
])
def test_a_model_saved_by_save_model_loads_as_saved(hidden_dims, use_batchnorm, dtype, tmp_path):
    model = small_model(hidden_dims, use_batchnorm, dtype)
    save_model(model, str(tmp_path / "model.npz"))
    saved = load_saved_model(tmp_path / "model.npz")
    assert saved.hidden_dims == hidden_dims and saved.use_batchnorm == use_batchnorm and saved.dtype == dtype
    assert saved.params.keys() == model.params.keys()
    for name, value in model.params.items():
        np.testing.assert_array_equal(saved.params[name], value)
        assert saved.params[name].dtype == dtype
    assert len(saved.running) == (len(hidden_dims) if use_batchnorm else 0)


def test_a_dropout_model_loads_and_dropout_is_not_used_at_test_time(tmp_path):
    save_model(small_model((20,), False, dropout=0.5, seed=1), str(tmp_path / "model.npz"))
    assert load_saved_model(tmp_path / "model.npz").hidden_dims == (20,)
