"""Known variants of the reference: classic student mistakes and legitimate rewrites.

A Mutation is a set of exact text edits to one reference module. The same
catalogue serves three purposes:

- the kit's tests: each mistake must lose points in exactly the checks that
  should catch it, each legitimate variant (``legit=True``) must keep full
  marks;
- the built-in demo submissions of ``nndl-hw4 grade --demo``;
- diagnosis: the grader compares a failing student output with the outputs of
  the mistakes on the same inputs, and names the mistake on a match.
"""

import importlib.util
import itertools
import sys
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

MODULES = ("optim", "layers", "layer_utils", "fc_net")
_counter = itertools.count()


@dataclass(frozen=True)
class Mutation:
    id: str                     # "adam-no-bias-correction"
    module: str                 # one of MODULES
    edits: tuple                # ((old, new), ...): each `old` occurs exactly once in the reference
    mistake: str                # what is wrong, in one line (or what differs, for legit variants)
    hint: str = ""              # how to fix it
    legit: bool = False         # a legitimate rewrite: must keep full marks


class MutationError(ValueError):
    """A mutation no longer applies to the reference (its text moved)."""


def reference_sources():
    """{module: source text} of the trusted reference nndl package."""
    pkg = resources.files("nndl_hw4.reference.nndl")
    return {m: pkg.joinpath(f"{m}.py").read_text() for m in MODULES}


def apply(mutations, sources=None):
    """{module: text} of the reference with every mutation applied."""
    texts = dict(sources or reference_sources())
    for mutation in mutations:
        text = texts[mutation.module]
        for old, new in mutation.edits:
            if text.count(old) != 1:
                raise MutationError(f"{mutation.id}: {old!r} occurs {text.count(old)} times "
                                    f"in {mutation.module}.py (expected once)")
            text = text.replace(old, new)
        texts[mutation.module] = text
    return texts


def write_package(dest, texts):
    """Write texts as dest/nndl/*.py (a submission folder); return dest/nndl."""
    pkg = Path(dest) / "nndl"
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    for module, text in texts.items():
        (pkg / f"{module}.py").write_text(text)
    return pkg


def load_package(texts):
    """Import texts as a fresh package in this process: {'nndl.optim': module, ...}.

    Each call gets its own package name, so variants never share module state.
    """
    name = f"_nndl_variant_{next(_counter)}"
    folder = Path(tempfile.mkdtemp(prefix="nndl-variant-"))
    pkg_dir = write_package(folder, texts)
    spec = importlib.util.spec_from_file_location(name, pkg_dir / "__init__.py",
                                                  submodule_search_locations=[str(pkg_dir)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    loaded = {}
    for module in ("layers", "layer_utils", "optim", "fc_net"):
        loaded[f"nndl.{module}"] = importlib.import_module(f"{name}.{module}")
    return loaded


CATALOGUE = (
    Mutation("adam-no-bias-correction", "optim",
             (("    v_hat = v / (1 - beta1**t)\n    a_hat = a / (1 - beta2**t)\n",
               "    v_hat = v\n    a_hat = a\n"),),
             "Adam without bias correction",
             "divide v by (1 - beta1**t) and a by (1 - beta2**t) before the update"),
    Mutation("dropout-p-as-keep", "layers",
             (("mask = ((np.random.rand(*x.shape) >= p) / (1 - p))",
               "mask = ((np.random.rand(*x.shape) < p) / p)"),),
             "dropout treats p as the probability of KEEPING a unit",
             "p is the probability of dropping a unit: keep where rand >= p and scale by 1/(1 - p)"),
    Mutation("fc-no-reg-gradient-last-layer", "fc_net",
             (("        for i, W in enumerate(weights, start=1):\n            grads['W%d' % i] += self.reg * W\n",
               "        for i, W in enumerate(weights[:-1], start=1):\n            grads['W%d' % i] += self.reg * W\n"),),
             "no regularisation gradient on the last layer's weights",
             "add reg * W to the gradient of EVERY weight matrix, the output layer's included"),
    Mutation("rmsprop-epsilon-inside-sqrt", "optim",
             (("next_w = w - config['learning_rate'] * dw / (np.sqrt(a) + config['epsilon'])",
               "next_w = w - config['learning_rate'] * dw / np.sqrt(a + config['epsilon'])"),),
             "epsilon inside the square root", legit=True),
    Mutation("adam-epsilon-inside-sqrt", "optim",
             (("next_w = w - config['learning_rate'] * v_hat / (np.sqrt(a_hat) + config['epsilon'])",
               "next_w = w - config['learning_rate'] * v_hat / np.sqrt(a_hat + config['epsilon'])"),),
             "epsilon inside the square root", legit=True),
    Mutation("rmsprop-step-with-old-cache", "optim",
             (("next_w = w - config['learning_rate'] * dw / (np.sqrt(a) + config['epsilon'])",
               "next_w = w - config['learning_rate'] * dw / (np.sqrt(config['a']) + config['epsilon'])"),),
             "RMSProp steps with the OLD moving average of squared gradients",
             "update a first, then divide by np.sqrt(a) of the updated a"),
)


def by_id(mutation_id):
    for mutation in CATALOGUE:
        if mutation.id == mutation_id:
            return mutation
    raise KeyError(mutation_id)
