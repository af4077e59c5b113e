"""Loading CIFAR-10 from its python-format batches (cifar-10-batches-py/)."""

import os
import pickle

import numpy as np

CIFAR10_DIRNAME = 'cifar-10-batches-py'
CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
DOWNLOAD_COMMAND = 'nndl-hw4 data download --dir DIR'


class CIFAR10NotFoundError(FileNotFoundError):
    """CIFAR-10 is not where get_CIFAR10_data looked; the message says how to get it."""


def load_CIFAR_batch(filename):
    """Load one batch file of CIFAR-10 as (X, y): X (n, 32, 32, 3) float64, y (n,) int64."""
    with open(filename, 'rb') as f:
        datadict = pickle.load(f, encoding='bytes')
    X = np.asarray(datadict[b'data'], dtype=np.uint8)
    y = np.asarray(datadict[b'labels'], dtype=np.int64)
    X = X.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype('float')
    return X, y


def load_CIFAR10(ROOT):
    """Load all of CIFAR-10 from the folder ROOT holding data_batch_1..5 and test_batch."""
    xs, ys = [], []
    for b in range(1, 6):
        X, y = load_CIFAR_batch(os.path.join(ROOT, 'data_batch_%d' % b))
        xs.append(X)
        ys.append(y)
    Xtr = np.concatenate(xs)
    Ytr = np.concatenate(ys)
    Xte, Yte = load_CIFAR_batch(os.path.join(ROOT, 'test_batch'))
    return Xtr, Ytr, Xte, Yte


BATCH_FILES = ['data_batch_%d' % b for b in range(1, 6)] + ['test_batch']


def _as_batches_dir(path):
    """The cifar-10-batches-py folder at or directly inside path, or None."""
    for candidate in (path, os.path.join(path, CIFAR10_DIRNAME)):
        if all(os.path.isfile(os.path.join(candidate, name)) for name in BATCH_FILES):
            return candidate
    return None


def find_CIFAR10(cifar10_dir=None):
    """
    Locate the cifar-10-batches-py folder.

    Uses the first of these that is given: the cifar10_dir argument, else the
    environment variable CIFAR10_DIR, else the working directory (or its
    data/ folder). Each location may be the batches folder itself or the
    folder that holds it. Raises CIFAR10NotFoundError, saying how to get the
    data, when the six batch files are not there.
    """
    if cifar10_dir is not None:
        candidates = [('the cifar10_dir argument', cifar10_dir)]
    elif os.environ.get('CIFAR10_DIR'):
        candidates = [('$CIFAR10_DIR', os.environ['CIFAR10_DIR'])]
    else:
        cwd = os.getcwd()
        candidates = [('the working directory', cwd),
                      ('the working directory', os.path.join(cwd, 'data'))]
    for _, path in candidates:
        found = _as_batches_dir(os.fspath(path))
        if found is not None:
            return found
    looked = '; '.join('%s (%s)' % (os.path.abspath(os.fspath(p)), how) for how, p in candidates)
    raise CIFAR10NotFoundError(
        'CIFAR-10 (%s/ with data_batch_1..5 and test_batch) was not found. Looked in: %s. '
        'Download %s and unpack it here (or, with the course kit installed, run `%s`), '
        'then pass cifar10_dir=DIR or set CIFAR10_DIR=DIR.'
        % (CIFAR10_DIRNAME, looked, CIFAR10_URL, DOWNLOAD_COMMAND))


def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000,
                     subtract_mean=True, cifar10_dir=None):
    """
    Load the CIFAR-10 dataset from disk and perform preprocessing to prepare
    it for classifiers.

    Inputs:
    - num_training: Number of training images (the first rows of data_batch_1..5).
    - num_validation: Number of validation images (the training rows after them).
    - num_test: Number of test images (the first rows of test_batch).
    - subtract_mean: Subtract the mean training image from every split.
    - cifar10_dir: Where cifar-10-batches-py is; default: $CIFAR10_DIR, then
      the working directory.

    Returns a dict with X_train (num_training, 3, 32, 32), y_train, X_val,
    y_val, X_test, y_test; images are float64, channels first.
    """
    X_train, y_train, X_test, y_test = load_CIFAR10(find_CIFAR10(cifar10_dir))
    if num_training + num_validation > X_train.shape[0] or num_test > X_test.shape[0]:
        raise ValueError(
            'Asked for %d training + %d validation and %d test images, but the data has '
            '%d training and %d test images.' % (num_training, num_validation, num_test,
                                                 X_train.shape[0], X_test.shape[0]))

    # Subsample the data
    mask = list(range(num_training, num_training + num_validation))
    X_val = X_train[mask]
    y_val = y_train[mask]
    mask = list(range(num_training))
    X_train = X_train[mask]
    y_train = y_train[mask]
    mask = list(range(num_test))
    X_test = X_test[mask]
    y_test = y_test[mask]

    # Normalize the data: subtract the mean image
    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    # Transpose so that channels come first
    X_train = X_train.transpose(0, 3, 1, 2).copy()
    X_val = X_val.transpose(0, 3, 1, 2).copy()
    X_test = X_test.transpose(0, 3, 1, 2).copy()

    # Package data into a dictionary
    return {
        'X_train': X_train, 'y_train': y_train,
        'X_val': X_val, 'y_val': y_val,
        'X_test': X_test, 'y_test': y_test,
    }
