"""The catalogue of checks: ``all_checks()`` in a stable order, ids unique."""

from . import optim


def all_checks():
    found = []
    for module in (optim,):
        found += module.checks()
    ids = [c.id for c in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise RuntimeError(f"duplicate check ids: {duplicates}")
    return found
