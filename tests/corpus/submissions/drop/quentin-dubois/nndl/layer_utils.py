"""Convenience layers that chain the basic layers of nndl.layers."""

from .layers import *


def affine_relu_forward(x, w, b):
    """
    Convenience layer that performs an affine transform followed by a ReLU

    Inputs:
    - x: Input to the affine layer, of shape (N, d_1, ..., d_k)
    - w, b: Weights for the affine layer, of shapes (D, M) and (M,)

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, M)
    - cache: Object to give to the backward pass
    """

    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement the affine-relu forward pass, calling affine_forward and
    #   relu_forward.
    # ================================================================ #
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return out, cache


def affine_relu_backward(dout, cache):
    """
    Backward pass for the affine-relu convenience layer

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: The cache returned by affine_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """

    # ================================================================ #
    # YOUR CODE HERE:
    #   Implement the affine-relu backward pass, calling relu_backward and
    #   affine_backward.
    # ================================================================ #
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return dx, dw, db


def affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param):
    """
    Convenience layer: affine transform, batch normalization, then a ReLU.

    Returns a tuple of:
    - out: Output from the ReLU
    - cache: Object to give to the backward pass
    """
    a, fc_cache = affine_forward(x, w, b)
    a_bn, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(a_bn)
    cache = (fc_cache, bn_cache, relu_cache)
    return out, cache


def affine_batchnorm_relu_backward(dout, cache):
    """
    Backward pass for the affine-batchnorm-relu convenience layer.

    Returns dx, dw, db, dgamma, dbeta.
    """
    fc_cache, bn_cache, relu_cache = cache
    da_bn = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(da_bn, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
