"""Measure how learnable the generated data is: `python -m nndl_hw4.cifar.learnability`.

Writes a synthetic data set (write_cifar10) into a temporary folder, loads it
with the student-facing get_CIFAR10_data, and reports validation accuracy of
a nearest-class-mean classifier and of the reference FullyConnectedNet
(one hidden layer of 100 units with batchnorm, Adam) trained briefly.
Chance is 10%.
"""

import argparse
import tempfile

import numpy as np

from nndl_hw4.reference.nndl.fc_net import FullyConnectedNet
from nndl_hw4.reference.nndl.optim import adam
from nndl_hw4.reference.utils.data_utils import get_CIFAR10_data

from .generate import write_cifar10


def nearest_class_mean_accuracy(X_train, y_train, X_val, y_val):
    """Accuracy on (X_val, y_val) of assigning each image the class with the nearest mean."""
    X_train = X_train.reshape(len(X_train), -1)
    X_val = X_val.reshape(len(X_val), -1)
    means = np.stack([X_train[y_train == c].mean(axis=0) for c in range(10)])   # (10, D)
    distances = ((X_val ** 2).sum(1)[:, None] - 2 * X_val @ means.T
                 + (means ** 2).sum(1)[None, :])                                # (N, 10)
    return float(np.mean(distances.argmin(axis=1) == y_val))


def small_net_accuracy(data, epochs=3, batch_size=200, learning_rate=1e-3, seed=0):
    """Validation accuracy of a one-hidden-layer reference net trained with Adam."""
    rng = np.random.RandomState(seed)
    np.random.seed(seed)  # FullyConnectedNet draws its weights from the global RNG
    model = FullyConnectedNet([100], weight_scale=1e-2, use_batchnorm=True)
    configs = {name: {"learning_rate": learning_rate} for name in model.params}
    X, y = data["X_train"], data["y_train"]
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start:start + batch_size]
            _, grads = model.loss(X[rows], y[rows])
            for name, value in model.params.items():
                model.params[name], configs[name] = adam(value, grads[name], configs[name])
    scores = model.loss(data["X_val"])
    return float(np.mean(scores.argmax(axis=1) == data["y_val"]))


def measure(num_training=49000, num_validation=1000, seed=0, epochs=3):
    """Generate data (seed) and return {'nearest_class_mean': acc, 'small_net': acc}."""
    per_batch = -(-(num_training + num_validation) // 5)
    with tempfile.TemporaryDirectory() as tmp:
        write_cifar10(tmp, per_batch=per_batch, test=num_validation, seed=seed)
        data = get_CIFAR10_data(num_training=num_training, num_validation=num_validation,
                                num_test=num_validation, cifar10_dir=tmp)
    return {
        "nearest_class_mean": nearest_class_mean_accuracy(
            data["X_train"], data["y_train"], data["X_val"], data["y_val"]),
        "small_net": small_net_accuracy(data, epochs=epochs, seed=seed),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--num-training", type=int, default=49000)
    parser.add_argument("--num-validation", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure(args.num_training, args.num_validation, args.seed, args.epochs)
    print(f"validation accuracy on generated data (chance 10%): "
          f"nearest class mean {result['nearest_class_mean']:.1%}, "
          f"small FC net {result['small_net']:.1%}")


if __name__ == "__main__":
    main()
