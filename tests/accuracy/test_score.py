"""score_saved_model: a model trained with the reference Solver, saved with save_model, scored honestly."""

import numpy as np
import pytest

from nndl_hw4.accuracy import load_saved_model, load_split, score_saved_model
from nndl_hw4.accuracy.score import rebuild
from nndl_hw4.errors import DataError
from nndl_hw4.scoring import accuracy_fraction


@pytest.mark.parametrize("split", ["val", "test"])
def test_the_score_is_the_accuracy_measured_on_the_trained_model(trained, cifar10, split):
    path, measured = trained
    score = score_saved_model(path, split=split, cifar10_dir=cifar10)
    assert score.accuracy == measured[split] and score.images == 1000
    assert score.fraction == accuracy_fraction(measured[split])
    assert score.problem is None


def test_the_trained_model_lands_mid_scale(trained):
    _, measured = trained
    # Not a property of the grader: a guard that the end-to-end tests exercise a partial score.
    assert 0.34 <= measured["val"] < 0.60, measured


def test_the_otter_bridge_call_finds_the_data_through_cifar10_dir_env(trained, cifar10, monkeypatch):
    path, measured = trained
    monkeypatch.setenv("CIFAR10_DIR", str(cifar10))
    score = score_saved_model(str(path), split="val", cifar10_dir=None)
    assert 0 <= score.fraction <= 1 and score.fraction == accuracy_fraction(measured["val"])
    assert score.message.startswith(f"validation accuracy {score.percent:.1f}% → {score.steps}/28")


def test_a_good_model_without_data_is_a_grader_error(trained, tmp_path, monkeypatch):
    monkeypatch.delenv("CIFAR10_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError):
        score_saved_model(trained[0])


def test_test_mode_uses_running_statistics_not_batch_statistics(trained, cifar10):
    """Scores of one image alone equal its scores within the whole split (batch statistics would differ)."""
    model = rebuild(load_saved_model(trained[0]))
    X = load_split("val", cifar10).X[:50].reshape(50, -1)
    together = model.loss(X)
    alone = np.concatenate([model.loss(X[i:i + 1]) for i in range(50)])
    np.testing.assert_allclose(alone, together, rtol=1e-5, atol=1e-6)   # float32 model: summation order only


def test_scoring_leaves_the_global_random_state_alone(trained, cifar10):
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    score_saved_model(trained[0], cifar10_dir=cifar10)
    assert np.random.rand() == expected
