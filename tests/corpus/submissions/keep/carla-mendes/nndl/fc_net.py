"""Fully connected networks built from the layers in nndl.layers."""

import numpy as np

from .layer_utils import affine_relu_backward, affine_relu_forward
from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)


class TwoLayerNet(object):
    """
    A two-layer fully-connected neural network with ReLU nonlinearity and
    softmax loss that uses a modular layer design. We assume an input dimension
    of D, a hidden dimension of H, and perform classification over C classes.

    The architecure should be affine - relu - affine - softmax.

    Note that this class does not implement gradient descent; instead, it
    will interact with a separate Solver object that is responsible for running
    optimization.

    The learnable parameters of the model are stored in the dictionary
    self.params that maps parameter names to numpy arrays.
    """

    def __init__(self, input_dim=3*32*32, hidden_dims=100, num_classes=10,
                 dropout=0, weight_scale=1e-3, reg=0.0):
        """
        Initialize a new network.

        Inputs:
        - input_dim: An integer giving the size of the input
        - hidden_dims: An integer giving the size of the hidden layer
        - num_classes: An integer giving the number of classes to classify
        - dropout: Scalar between 0 and 1 giving dropout strength (unused here).
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights.
        - reg: Scalar giving L2 regularization strength.
        """
        self.params = {}
        self.reg = reg
        self.params['W1'] = weight_scale * np.random.randn(input_dim, hidden_dims)
        self.params['b1'] = np.zeros(hidden_dims)
        self.params['W2'] = weight_scale * np.random.randn(hidden_dims, num_classes)
        self.params['b2'] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for a minibatch of data.

        Inputs:
        - X: Array of input data of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,). y[i] gives the label for X[i].

        Returns:
        If y is None, then run a test-time forward pass of the model and return:
        - scores: Array of shape (N, C) giving classification scores, where
          scores[i, c] is the classification score for X[i] and class c.

        If y is not None, then run a training-time forward and backward pass and
        return a tuple of:
        - loss: Scalar value giving the loss
        - grads: Dictionary with the same keys as self.params, mapping parameter
          names to gradients of the loss with respect to those parameters.
        """
        W1, b1, W2, b2 = (self.params[k] for k in ('W1', 'b1', 'W2', 'b2'))
        h, h_cache = affine_relu_forward(X, W1, b1)
        scores, s_cache = affine_forward(h, W2, b2)
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2))
        grads = {}
        dh, grads['W2'], grads['b2'] = affine_backward(dscores, s_cache)
        _, grads['W1'], grads['b1'] = affine_relu_backward(dh, h_cache)
        grads['W1'] += self.reg * W1
        grads['W2'] += self.reg * W2
        return loss, grads


class FullyConnectedNet(object):
    """
    A fully-connected neural network with an arbitrary number of hidden layers,
    ReLU nonlinearities, and a softmax loss function. This will also implement
    dropout and batch normalization as options. For a network with L layers,
    the architecture will be

    {affine - [batch norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where batch normalization and dropout are optional, and the {...} block is
    repeated L - 1 times.

    Similar to the TwoLayerNet above, learnable parameters are stored in the
    self.params dictionary and will be learned using the Solver class.
    """

    def __init__(self, hidden_dims, input_dim=3*32*32, num_classes=10,
                 dropout=1, use_batchnorm=False, reg=0.0,
                 weight_scale=1e-2, dtype=np.float32, seed=None):
        """
        Initialize a new FullyConnectedNet.

        Inputs:
        - hidden_dims: A list of integers giving the size of each hidden layer.
        - input_dim: An integer giving the size of the input.
        - num_classes: An integer giving the number of classes to classify.
        - dropout: Scalar between 0 and 1 giving dropout strength. If dropout=1
          then the network should not use dropout at all.
        - use_batchnorm: Whether or not the network should use batch
          normalization.
        - reg: Scalar giving L2 regularization strength.
        - weight_scale: Scalar giving the standard deviation for random
          initialization of the weights.
        - dtype: A numpy datatype object; all computations will be performed
          using this datatype. float32 is faster but less accurate, so you
          should use float64 for numeric gradient checking.
        - seed: If not None, then pass this random seed to the dropout layers.
          This will make the dropout layers deteriminstic so we can gradient
          check the model.
        """
        self.use_batchnorm = use_batchnorm
        self.use_dropout = dropout < 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        # ================================================================ #
        # YOUR CODE HERE:
        #   Initialize all parameters of the network in the self.params
        #   dictionary.  The weights and biases of layer 1 are W1 and b1; and
        #   in general the weights and biases of layer i are Wi and bi.  The
        #   biases are initialized to zero and the weights are initialized so
        #   that each parameter has mean 0 and standard deviation
        #   weight_scale.
        #
        #   BATCHNORM: Initialize the gammas of each layer to 1 and the beta
        #   parameters to zero.  The gamma and beta parameters for layer 1
        #   should be self.params['gamma1'] and self.params['beta1'].  For
        #   layer 2, they should be gamma2 and beta2, etc.  Only use batchnorm
        #   if self.use_batchnorm is true and DO NOT do batch normalize the
        #   output scores.
        # ================================================================ #
        all_dims = np.hstack([input_dim, hidden_dims, num_classes]).astype(int)
        for layer in np.arange(1, self.num_layers + 1):
            d_in, d_out = all_dims[layer - 1], all_dims[layer]
            self.params['W{}'.format(layer)] = np.random.randn(d_in, d_out) * weight_scale
            self.params['b{}'.format(layer)] = np.zeros(d_out)
        for layer in np.arange(1, self.num_layers):
            if self.use_batchnorm:
                self.params['gamma{}'.format(layer)] = np.ones(all_dims[layer])
                self.params['beta{}'.format(layer)] = np.zeros(all_dims[layer])
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        # When using dropout we need to pass a dropout_param dictionary to each
        # dropout layer so that the layer knows the dropout probability and the
        # mode (train / test). You can pass the same dropout_param to each
        # dropout layer.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {'mode': 'train', 'p': dropout}
            if seed is not None:
                self.dropout_param['seed'] = seed

        # With batch normalization we need to keep track of running means and
        # variances, so we need to pass a special bn_param object to each batch
        # normalization layer. You should pass self.bn_params[0] to the forward
        # pass of the first batch normalization layer, self.bn_params[1] to the
        # forward pass of the second batch normalization layer, etc.
        self.bn_params = []
        if self.use_batchnorm:
            self.bn_params = [{'mode': 'train'} for i in np.arange(self.num_layers - 1)]

        # Cast all parameters to the correct datatype
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """
        Compute loss and gradient for the fully-connected net.

        Input / output: Same as TwoLayerNet above.
        """
        X = X.astype(self.dtype, copy=False)
        mode = 'test' if y is None else 'train'

        # Set train/test mode for batchnorm params and dropout param since they
        # behave differently during training and testing.
        if self.dropout_param is not None:
            self.dropout_param['mode'] = mode
        if self.use_batchnorm:
            for bn_param in self.bn_params:
                bn_param['mode'] = mode

        scores = None

        # ================================================================ #
        # YOUR CODE HERE:
        #   Implement the forward pass of the FC net and store the output
        #   scores as the variable "scores".
        #
        #   BATCHNORM: If self.use_batchnorm is true, insert a bathnorm layer
        #   between the affine_forward and relu_forward layers.
        #
        #   DROPOUT: If dropout is less than one, insert a dropout layer after
        #   every ReLU layer.
        # ================================================================ #
        self.caches = {'fc': [], 'bn': [], 'relu': [], 'drop': []}
        layer_in = X
        for i in range(self.num_layers - 1):
            idx = str(i + 1)
            fc_out, fc_cache = affine_forward(layer_in, self.params['W' + idx], self.params['b' + idx])
            self.caches['fc'].append(fc_cache)
            if self.use_batchnorm:
                fc_out, bn_cache = batchnorm_forward(fc_out, self.params['gamma' + idx],
                                                     self.params['beta' + idx], self.bn_params[i])
                self.caches['bn'].append(bn_cache)
            relu_out, relu_cache = relu_forward(fc_out)
            self.caches['relu'].append(relu_cache)
            if self.use_dropout:
                relu_out, drop_cache = dropout_forward(relu_out, self.dropout_param)
                self.caches['drop'].append(drop_cache)
            layer_in = relu_out
        last = str(self.num_layers)
        scores, final_cache = affine_forward(layer_in, self.params['W' + last], self.params['b' + last])
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        # If test mode return early
        if mode == 'test':
            return scores

        loss, grads = 0.0, {}
        # ================================================================ #
        # YOUR CODE HERE:
        #   Implement the backwards pass of the FC net and store the gradients
        #   in the grads dict, so that grads[k] is the gradient of self.params[k]
        #   Be sure your L2 regularization includes a 0.5 factor.
        #
        #   BATCHNORM: Incorporate the backward pass of the batchnorm.
        #
        #   DROPOUT: Incorporate the backward pass of dropout.
        # ================================================================ #
        data_loss, dscores = softmax_loss(scores, y)
        weights_sq = sum(np.sum(self.params['W' + str(i)] ** 2) for i in range(1, self.num_layers + 1))
        loss = data_loss + 0.5 * self.reg * weights_sq

        last = str(self.num_layers)
        dlayer, grads['W' + last], grads['b' + last] = affine_backward(dscores, final_cache)
        for i in reversed(range(self.num_layers - 1)):
            idx = str(i + 1)
            if self.use_dropout:
                dlayer = dropout_backward(dlayer, self.caches['drop'][i])
            dlayer = relu_backward(dlayer, self.caches['relu'][i])
            if self.use_batchnorm:
                dlayer, grads['gamma' + idx], grads['beta' + idx] = batchnorm_backward(dlayer, self.caches['bn'][i])
            dlayer, grads['W' + idx], grads['b' + idx] = affine_backward(dlayer, self.caches['fc'][i])

        # regularisation gradient on every weight matrix
        for i in range(1, self.num_layers + 1):
            grads['W' + str(i)] += self.reg * self.params['W' + str(i)]
        # ================================================================ #
        # END YOUR CODE HERE
        # ================================================================ #

        return loss, grads
