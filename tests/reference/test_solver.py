"""The reference Solver (utils/solver.py), imported as students have it
(``from utils.solver import Solver`` with nndl/ beside utils/)."""

import re

import numpy as np
import pytest

from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet


class StepModel:
    """A model whose one parameter w rises by lr per sgd step (its gradient is -1).

    It classifies every sample (all of class 0) right exactly when w == best_w,
    so the Solver's accuracy bookkeeping can be followed by hand.
    """

    def __init__(self, best_w=1.0):
        self.params = {"w": np.zeros(1)}
        self.best_w = best_w

    def loss(self, X, y=None):
        w = self.params["w"][0]
        if y is None:
            scores = np.zeros((X.shape[0], 2))
            scores[:, 0 if w == self.best_w else 1] = 1.0
            return scores
        return 1.0 / (1.0 + w), {"w": np.array([-1.0])}


def step_data(n):
    X, y = np.zeros((n, 1)), np.zeros(n, dtype=int)
    return {"X_train": X, "y_train": y, "X_val": X.copy(), "y_val": y.copy()}


def sgd_solver(Solver, n=4, **kwargs):
    options = dict(update_rule="sgd", optim_config={"learning_rate": 1.0}, batch_size=4,
                   num_epochs=3, verbose=False)
    options.update(kwargs)
    return Solver(StepModel(), step_data(n), **options)


# --- overfitting a small data set with every update rule ------------------------------

# One hidden layer of 200, weight_scale 5e-2, the full 50 samples as one batch per
# iteration (drawn with replacement), 15 iterations. Over 40 data seeds every
# rule below first reaches 100% by iteration 9 at the latest; a hidden layer of
# 100 left one seed in 30 stuck at 98% for the momentum rules.
OVERFIT_LEARNING_RATES = [
    pytest.param("sgd", 1e-1, id="sgd"),
    pytest.param("sgd_momentum", 3e-2, id="sgd_momentum"),
    pytest.param("sgd_nesterov_momentum", 3e-2, id="sgd_nesterov_momentum"),
    pytest.param("rmsprop", 1e-3, id="rmsprop"),
    pytest.param("adam", 3e-3, id="adam"),
]


@pytest.mark.parametrize("rule, learning_rate", OVERFIT_LEARNING_RATES)
def test_overfits_fifty_samples(Solver, rule, learning_rate):
    rng = np.random.RandomState(0)
    X, y = rng.randn(50, 3, 32, 32), rng.randint(10, size=50)
    # Validation = training data, so the best (swapped-in) parameters are the ones
    # with the best training accuracy.
    data = {"X_train": X, "y_train": y, "X_val": X, "y_val": y}
    np.random.seed(0)
    model = FullyConnectedNet([200], weight_scale=5e-2)
    solver = Solver(model, data, update_rule=rule, optim_config={"learning_rate": learning_rate},
                    batch_size=50, num_epochs=15, verbose=False)
    solver.train()
    assert solver.check_accuracy(X, y) == 1.0
    assert solver.best_val_acc == 1.0
    assert solver.loss_history[-1] < 0.5 * solver.loss_history[0]


# --- construction ---------------------------------------------------------------------

def test_unknown_keyword_raises(Solver):
    with pytest.raises(ValueError, match="learning_rate"):
        Solver(StepModel(), step_data(4), learning_rate=1e-3)


@pytest.mark.parametrize("name", [
    pytest.param("adagrad", id="adagrad"),
    pytest.param("Adam", id="Adam"),
    # nndl/optim.py does `import numpy as np`: an attribute of the module that is
    # not an update rule must be refused at construction, not fail in train().
    pytest.param("np", id="np-not-a-rule"),
])
def test_unknown_update_rule_raises(Solver, name):
    with pytest.raises(ValueError, match=name):
        Solver(StepModel(), step_data(4), update_rule=name)


@pytest.mark.parametrize("rule", [pytest.param(p.values[0], id=p.id) for p in OVERFIT_LEARNING_RATES])
def test_update_rule_is_looked_up_in_nndl_optim(Solver, rule):
    import nndl.optim  # the copy the Solver imported (see conftest.student_layout)

    solver = Solver(StepModel(), step_data(4), update_rule=rule)
    assert solver.update_rule is getattr(nndl.optim, rule)


def test_one_optim_config_per_parameter(Solver):
    model = FullyConnectedNet([5], input_dim=3, num_classes=2)
    shared = {"learning_rate": 1e-3}
    solver = Solver(model, {"X_train": np.zeros((4, 3)), "y_train": np.zeros(4, dtype=int),
                            "X_val": np.zeros((2, 3)), "y_val": np.zeros(2, dtype=int)},
                    update_rule="adam", optim_config=shared, batch_size=2, num_epochs=1,
                    verbose=False)
    assert set(solver.optim_configs) == set(model.params)
    assert len({id(c) for c in solver.optim_configs.values()}) == len(model.params)
    solver.train()
    for name, config in solver.optim_configs.items():
        assert config["v"].shape == model.params[name].shape, name
    assert shared == {"learning_rate": 1e-3}, "the caller's optim_config was modified"


# --- training bookkeeping -------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, epochs, iterations, checks", [
    # iterations = epochs * max(n // batch_size, 1); accuracy is checked after the
    # first iteration and at every epoch end (the first one counts once if both).
    pytest.param(8, 4, 3, 6, 4, id="2-iterations-per-epoch"),
    pytest.param(4, 4, 3, 3, 3, id="1-iteration-per-epoch"),
    pytest.param(10, 4, 2, 4, 3, id="uneven-batches"),
    pytest.param(3, 4, 2, 2, 2, id="batch-larger-than-data"),
])
def test_history_lengths(Solver, n, batch_size, epochs, iterations, checks):
    solver = sgd_solver(Solver, n=n, batch_size=batch_size, num_epochs=epochs)
    solver.train()
    assert len(solver.loss_history) == iterations
    assert len(solver.train_acc_history) == checks
    assert len(solver.val_acc_history) == checks
    assert solver.epoch == epochs


def test_best_params_are_swapped_in_at_the_end(Solver):
    solver = sgd_solver(Solver)
    solver.train()
    # w went 1, 2, 3; only w == 1 classified the validation set right.
    assert solver.val_acc_history == [1.0, 0.0, 0.0]
    assert solver.best_val_acc == 1.0
    assert solver.model.params["w"][0] == 1.0
    assert solver.model.params is solver.best_params


def test_learning_rate_decays_once_per_epoch(Solver):
    solver = sgd_solver(Solver, n=8, num_epochs=3, lr_decay=0.5)
    solver.train()
    # Two steps per epoch at lr 1, 0.5, 0.25: w = 1, 2, 2.5, 3, 3.25, 3.5, and
    # the last loss is computed before the last step.
    assert solver.loss_history[-1] == 1.0 / (1.0 + 3.25)
    assert solver.optim_configs["w"]["learning_rate"] == 0.125


def test_check_accuracy_in_uneven_batches(Solver):
    class Oracle:
        params = {}

        def loss(self, X, y=None):
            return np.eye(3)[X[:, 0].astype(int)]  # predicts the class written in X

    X = np.array([[0], [1], [2], [0], [1], [2], [0]])
    y = np.array([0, 1, 2, 1, 1, 2, 2])  # 5 of 7 right
    solver = Solver(Oracle(), {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    for batch_size in (1, 3, 7, 100):
        assert solver.check_accuracy(X, y, batch_size=batch_size) == 5 / 7
    np.random.seed(0)
    sub = solver.check_accuracy(X, y, num_samples=4)
    assert sub in {k / 4 for k in range(5)}


# --- log lines (spec section 2) ---------------------------------------------------------

def test_log_lines(Solver, capsys):
    sgd_solver(Solver, verbose=True, print_every=1).train()
    assert capsys.readouterr().out.splitlines() == [
        "(Iteration 1 / 3) loss: 1.000000",
        "(Epoch 1 / 3) train acc: 1.000000; val_acc: 1.000000",
        "(Iteration 2 / 3) loss: 0.500000",
        "(Epoch 2 / 3) train acc: 0.000000; val_acc: 0.000000",
        "(Iteration 3 / 3) loss: 0.333333",
        "(Epoch 3 / 3) train acc: 0.000000; val_acc: 0.000000",
    ]


def test_log_lines_every_other_iteration(Solver, capsys):
    sgd_solver(Solver, n=8, verbose=True, print_every=2).train()
    lines = capsys.readouterr().out.splitlines()
    iterations = [line for line in lines if line.startswith("(Iteration")]
    epochs = [line for line in lines if line.startswith("(Epoch")]
    assert [int(re.match(r"\(Iteration (\d+) / 6\) loss: \d+\.\d{6}$", line).group(1))
            for line in iterations] == [1, 3, 5]
    assert [int(re.match(r"\(Epoch (\d+) / 3\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}$", line).group(1))
            for line in epochs] == [0, 1, 2, 3]
    assert len(lines) == 7


def test_quiet_solver_prints_nothing(Solver, capsys):
    sgd_solver(Solver, print_every=1).train()
    assert capsys.readouterr().out == ""
