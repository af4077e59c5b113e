"""Trusted layers in the network checks: the reference's layer functions in place of the student's.

One mistake, one penalty: a network question judges the network code, so
the network checks run the student's ``fc_net.py`` with the reference's
versions of every function the reference's layer modules define (affine,
ReLU, batchnorm, dropout, ``affine_relu_*``). A student's own helpers (an
``affine_batchnorm_relu_forward`` of theirs) stay, and call the trusted
layers, since they look them up in the module they live in. A bug in a layer
then costs points only in its layer question.

Used by the sandbox harness (the trusted modules come in the child's io
folder, only for the child that runs network checks) and by the grader's
reference runtime, so both substitute in exactly the same way.
"""

import importlib
import sys
import types


def own_functions(module):
    """{name: object} of the functions and classes `module` defines itself (not those it imports)."""
    return {name: value for name, value in vars(module).items()
            if callable(value) and getattr(value, "__module__", None) == module.__name__}


def substitute(module, trusted):
    """Put `trusted`'s own functions into `module` in place of (or beside) the student's; their names."""
    found = own_functions(trusted)
    for name, value in found.items():
        setattr(module, name, value)
    return sorted(found)


def load_package(name, folder, modules):
    """Import `modules` (e.g. ['layers', 'layer_utils']) of the trusted package in `folder` under `name`."""
    package = types.ModuleType(name)
    package.__path__, package.__package__ = [folder], name
    sys.modules[name] = package
    return {module: importlib.import_module(f"{name}.{module}") for module in modules}
