"""Probes: the code that calls student functions on given inputs.

A probe is ``probe(mods, inputs) -> outputs``: ``mods`` has the modules the
check asked for as attributes (``mods.optim``, ``mods.layers``, ...) and
``inputs`` is the decoded input tree. It returns raw outputs only (arrays,
numbers, nested dicts/lists of them), copied so later in-place edits by
student code cannot change them. The grader runs the same probe against the
reference in its own process to get the expected outputs, then compares.

PROBES maps "<module>.<name>" to the probe function.
"""

from . import batchnorm, dropout, fc_net, layers, optim, training

PROBES = {}
for _module in (optim, layers, batchnorm, dropout, fc_net, training):
    for _name in _module.__all__:
        PROBES["%s.%s" % (_module.__name__.rsplit(".", 1)[-1], _name)] = getattr(_module, _name)
