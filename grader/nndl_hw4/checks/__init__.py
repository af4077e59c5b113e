"""The catalogue of checks: ``all_checks()`` in a stable order, ids unique.

Order: the optimizers, the HW3 layers, batchnorm, dropout, the network
(without dropout, then with), then the training runs. Checks of one group
(``Check.group``) share a sandboxed wall-clock budget.
"""

from .. import course as courses
from . import batchnorm, dropout, fc_dropout, fc_net, hw3, optim, training

MODULES = (optim, hw3, batchnorm, dropout, fc_net, fc_dropout, training)


def all_checks(course=courses.DEFAULT):
    """The checks of `course` (ids and order are the same in every course; wording and judges of
    dropout follow its convention)."""
    found = []
    for module in MODULES:
        found += module.checks(course)
    ids = [c.id for c in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"duplicate check ids: {duplicates}")
    return found
