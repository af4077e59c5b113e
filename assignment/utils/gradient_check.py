"""Numerical gradients by centred differences, for checking backward passes."""

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=0.00001):
    """
    A naive implementation of numerical gradient of f at x.

    Inputs:
    - f: A function that takes a single argument and returns a scalar.
    - x: The numpy array to evaluate the gradient at; it is perturbed in place
      and restored.
    - verbose: If True, print every gradient entry as it is computed.
    - h: The step of the centred difference.

    Returns:
    - grad: Array of the same shape as x.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        fxph = f(x)  # f(x + h)
        x[ix] = oldval - h
        fxmh = f(x)  # f(x - h)
        x[ix] = oldval  # restore

        grad[ix] = (fxph - fxmh) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """
    Evaluate a numeric gradient for a function that accepts a numpy
    array and returns a numpy array.

    Inputs:
    - f: A function of x returning an array.
    - x: The input array, perturbed in place and restored.
    - df: Upstream gradient, of the shape of f(x).
    - h: The step of the centred difference.

    Returns:
    - grad: Array of the same shape as x, the gradient of sum(f(x) * df).
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=['multi_index'], op_flags=['readwrite'])
    while not it.finished:
        ix = it.multi_index
        oldval = x[ix]
        x[ix] = oldval + h
        pos = f(x).copy()
        x[ix] = oldval - h
        neg = f(x).copy()
        x[ix] = oldval

        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
        it.iternext()
    return grad
