"""Convenience layers that chain the basic layers of nndl.layers."""

from .layers import affine_backward, affine_forward, relu_backward, relu_forward


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
    aff, aff_cache = affine_forward(x, w, b)
    out, r_cache = relu_forward(aff)
    cache = {'affine': aff_cache, 'relu': r_cache}
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
    d_aff = relu_backward(dout, cache['relu'])
    dx, dw, db = affine_backward(d_aff, cache['affine'])
    # ================================================================ #
    # END YOUR CODE HERE
    # ================================================================ #

    return dx, dw, db
