"""Saving a trained FullyConnectedNet to .npz and loading it back (no pickle).

The final part of the dropout notebook saves its model with save_model; the
grader rebuilds it with its own trusted network and measures its accuracy,
so nothing printed in the notebook is trusted. The file holds plain arrays
only and is read with allow_pickle=False.

Keys: 'format' ('nndl-hw4-model/1'), 'hidden_dims', 'input_dim',
'num_classes', 'use_batchnorm', 'dropout', 'dtype', 'param/<name>' for every
entry of model.params and 'bn/<k>/running_mean', 'bn/<k>/running_var' for
batchnorm layer k (1-based).
"""

import numpy as np

FORMAT = 'nndl-hw4-model/1'


def save_model(model, path='model.npz'):
    """
    Save a trained FullyConnectedNet.

    Inputs:
    - model: A FullyConnectedNet, after training.
    - path: Where to write the .npz file.

    Returns the path written.
    """
    num_hidden = model.num_layers - 1
    hidden_dims = [model.params['W%d' % i].shape[1] for i in range(1, num_hidden + 1)]
    arrays = {
        'format': np.array(FORMAT),
        'hidden_dims': np.array(hidden_dims, dtype=np.int64),
        'input_dim': np.array(model.params['W1'].shape[0]),
        'num_classes': np.array(model.params['W%d' % model.num_layers].shape[1]),
        'use_batchnorm': np.array(bool(model.use_batchnorm)),
        'dropout': np.array(float(model.dropout_param.get('p', 0.0)) if model.use_dropout else 0.0),
        'dtype': np.array(np.dtype(model.dtype).name),
    }
    for name, value in model.params.items():
        arrays['param/' + name] = np.asarray(value)
    if model.use_batchnorm:
        for k, bn_param in enumerate(model.bn_params, start=1):
            for stat in ('running_mean', 'running_var'):
                if stat not in bn_param:
                    raise ValueError('batchnorm layer %d has no %s: train the model before '
                                     'saving it' % (k, stat))
                arrays['bn/%d/%s' % (k, stat)] = np.asarray(bn_param[stat])
    np.savez(path, **arrays)
    return path


def read_model_arrays(path):
    """The arrays of a saved model as a dict (loaded without pickle)."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    if str(arrays.get('format', '')) != FORMAT:
        raise ValueError('%s is not a model saved by save_model (format %r)'
                         % (path, str(arrays.get('format', None))))
    return arrays


def load_model(path='model.npz'):
    """Rebuild the FullyConnectedNet saved at path (for your own checks)."""
    from nndl.fc_net import FullyConnectedNet

    arrays = read_model_arrays(path)
    model = FullyConnectedNet(
        [int(h) for h in arrays['hidden_dims']], input_dim=int(arrays['input_dim']),
        num_classes=int(arrays['num_classes']), dropout=float(arrays['dropout']),
        use_batchnorm=bool(arrays['use_batchnorm']), dtype=np.dtype(str(arrays['dtype'])))
    for key, value in arrays.items():
        if key.startswith('param/'):
            model.params[key[len('param/'):]] = value
        elif key.startswith('bn/'):
            _, k, stat = key.split('/')
            model.bn_params[int(k) - 1][stat] = value
    return model
