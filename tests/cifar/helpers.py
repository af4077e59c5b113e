"""Helpers shared by the CIFAR-10 tests."""

import os

PER_BATCH, TEST = 20, 10  # the tiny generated data set: 100 training and 10 test images


def tree(path):
    """Every path under path, relative and sorted: assert it is empty to prove nothing was left."""
    return sorted(os.path.relpath(os.path.join(root, name), path)
                  for root, dirs, files in os.walk(path) for name in dirs + files)
