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

import functools
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from . import course as courses

MODULES = courses.MODULES


@dataclass(frozen=True)
class Mutation:
    """Edits of the reference, written once for every course: the texts are templates whose
    $KEEP, $DROP, $MEANS... the course fills in (course.Course.words); ``catalogue(course)``
    holds them rendered."""
    id: str                     # "adam-no-bias-correction"
    module: str                 # one of MODULES
    edits: tuple                # ((old, new), ...): each `old` occurs exactly once in the reference
    mistake: str                # what is wrong, in one line (or what differs, for legit variants)
    hint: str = ""              # how to fix it
    legit: bool = False         # a legitimate rewrite: must keep full marks

    def rendered(self, course):
        return replace(self, edits=tuple((course.render(old), course.render(new)) for old, new in self.edits),
                       mistake=course.render(self.mistake), hint=course.render(self.hint))


class MutationError(ValueError):
    """A mutation no longer applies to the reference (its text moved)."""


@functools.lru_cache(maxsize=None)
def _reference_texts(course):
    pkg = resources.files("nndl_hw4.reference.nndl")
    return tuple((m, courses.localise(pkg.joinpath(f"{m}.py").read_text(), f"nndl/{m}.py", course)) for m in MODULES)


def reference_sources(course=courses.DEFAULT):
    """{module: source text} of the trusted reference nndl package, for `course` (a new dict each call:
    callers may edit it)."""
    return dict(_reference_texts(course))


def apply(mutations, sources=None):
    """{module: text} of the reference (`sources`, default the default course's) with every mutation applied."""
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


DRAW = "(np.random.rand(*x.shape)"     # the reference's draw of its dropout mask

_MUTATIONS = (
    Mutation("adam-no-bias-correction", "optim",
             (("    v_hat = v / (1 - beta1**t)\n    a_hat = a / (1 - beta2**t)\n",
               "    v_hat = v\n    a_hat = a\n"),),
             "Adam without bias correction",
             "divide v by (1 - beta1**t) and a by (1 - beta2**t) before the update"),
    Mutation("dropout-other-convention", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)", f"mask = ({DRAW} < $DROP) / $DROP)"),),
             "your dropout ${OTHER_VERB}s each unit with probability p; in this course p is $P_MEANS",
             "keep a unit where rand < $KEEP and scale the kept units by 1 / $KEEP"),
    Mutation("fc-no-reg-gradient-last-layer", "fc_net",
             (("            for i, W in enumerate(weights, start=1):\n                grads['W%d' % i] += self.reg * W\n",
               "            for i, W in enumerate(weights[:-1], start=1):\n                grads['W%d' % i] += self.reg * W\n"),),
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
    # --- optimizers -------------------------------------------------------------------
    Mutation("momentum-velocity-sign-flip", "optim",
             (("    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w + v\n",
               "    v = config['momentum'] * v + config['learning_rate'] * dw\n    next_w = w - v\n"),),
             "momentum keeps the velocity with the opposite sign (v = mu*v + lr*dw; next_w = w - v)",
             "store the step itself as the velocity: v = mu*v - lr*dw, then next_w = w + v"),
    Mutation("momentum-gradient-ascent", "optim",
             (("    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w + v\n",
               "    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w - v\n"),),
             "momentum moves against its velocity (next_w = w - v), so the loss goes up",
             "with v = mu*v - lr*dw the update is next_w = w + v"),
    Mutation("momentum-velocity-not-stored", "optim",
             (("    config['velocity'] = v\n    return next_w, config\n\n\ndef sgd_nesterov_momentum",
               "    return next_w, config\n\n\ndef sgd_nesterov_momentum"),),
             "momentum does not store the new velocity in config, so every step starts from zero velocity",
             "write config['velocity'] = v before returning"),
    Mutation("momentum-in-place", "optim",
             (("    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w + v\n",
               "    v *= config['momentum']\n    v -= config['learning_rate'] * dw\n    w += v\n    next_w = w\n"),),
             "momentum updating the velocity and w in place", legit=True),
    Mutation("nesterov-as-plain-momentum", "optim",
             (("    next_w = w + v + config['momentum'] * (v - v_old)\n", "    next_w = w + v\n"),),
             "Nesterov momentum written as plain momentum (next_w = w + v)",
             "add the look-ahead term: next_w = w + v + mu * (v - v_old)"),
    Mutation("nesterov-sign-flip", "optim",
             (("    next_w = w + v + config['momentum'] * (v - v_old)\n",
               "    next_w = w + v - config['momentum'] * (v - v_old)\n"),),
             "Nesterov momentum subtracts the look-ahead term mu * (v - v_old)",
             "next_w = w + v + mu * (v - v_old)"),
    Mutation("nesterov-gradient-ascent", "optim",
             (("    v = config['momentum'] * v - config['learning_rate'] * dw\n    next_w = w + v + config",
               "    v = config['momentum'] * v + config['learning_rate'] * dw\n    next_w = w + v + config"),),
             "Nesterov momentum adds the gradient to the velocity (v = mu*v + lr*dw), so the loss goes up",
             "v = mu*v - lr*dw"),
    Mutation("nesterov-textbook-form", "optim",
             (("    next_w = w + v + config['momentum'] * (v - v_old)\n",
               "    next_w = w - config['momentum'] * v_old + (1 + config['momentum']) * v\n"),),
             "Nesterov momentum written as w - mu*v_old + (1 + mu)*v", legit=True),
    Mutation("rmsprop-eps-on-weights", "optim",
             (("next_w = w - config['learning_rate'] * dw / (np.sqrt(a) + config['epsilon'])",
               "next_w = w - config['learning_rate'] * dw / np.sqrt(a) + config['epsilon']"),),
             "RMSProp adds epsilon to the weights instead of to sqrt(a), so its update is NaN wherever a is 0 "
             "(a unit whose gradient is always 0)",
             "parenthesise the denominator: next_w = w - lr * dw / (np.sqrt(a) + eps)"),
    Mutation("adam-eps-on-weights", "optim",
             (("next_w = w - config['learning_rate'] * v_hat / (np.sqrt(a_hat) + config['epsilon'])",
               "next_w = w - config['learning_rate'] * v_hat / np.sqrt(a_hat) + config['epsilon']"),),
             "Adam adds epsilon to the weights instead of to sqrt(a), so its update is NaN wherever a is 0 "
             "(a unit whose gradient is always 0)",
             "parenthesise the denominator: next_w = w - lr * v_hat / (np.sqrt(a_hat) + eps)"),
    Mutation("rmsprop-no-sqrt", "optim",
             (("dw / (np.sqrt(a) + config['epsilon'])", "dw / (a + config['epsilon'])"),),
             "RMSProp divides by a instead of sqrt(a)",
             "next_w = w - lr * dw / (np.sqrt(a) + eps)"),
    Mutation("rmsprop-decay-swapped", "optim",
             (("a = decay * config['a'] + (1 - decay) * dw**2", "a = (1 - decay) * config['a'] + decay * dw**2"),),
             "RMSProp weighs the new squared gradient by decay_rate and the old average by 1 - decay_rate",
             "a = decay_rate * a + (1 - decay_rate) * dw**2"),
    Mutation("rmsprop-cache-not-stored", "optim",
             (("    config['a'] = a\n", ""),),
             "RMSProp does not store the new moving average in config['a']",
             "write config['a'] = a before returning"),
    Mutation("rmsprop-in-place", "optim",
             (("    a = decay * config['a'] + (1 - decay) * dw**2\n"
               "    next_w = w - config['learning_rate'] * dw / (np.sqrt(a) + config['epsilon'])\n",
               "    a = config['a']\n    a *= decay\n    a += (1 - decay) * dw**2\n"
               "    w -= config['learning_rate'] * dw / (np.sqrt(a) + config['epsilon'])\n    next_w = w\n"),),
             "RMSProp updating a and w in place", legit=True),
    Mutation("adam-no-t-increment", "optim",
             (("    t = config['t'] + 1\n", "    t = config['t']\n"),),
             "Adam uses t without incrementing it first (at t = 0 the bias correction divides by zero)",
             "increment t BEFORE the bias correction: t = config['t'] + 1"),
    Mutation("adam-t-not-stored", "optim",
             (("    config['v'], config['a'], config['t'] = v, a, t\n", "    config['v'], config['a'] = v, a\n"),),
             "Adam increments t but does not store it back in config",
             "write config['t'] = t with v and a"),
    Mutation("adam-only-first-moment-corrected", "optim",
             (("    a_hat = a / (1 - beta2**t)\n", "    a_hat = a\n"),),
             "Adam bias-corrects the first moment only",
             "also divide a by (1 - beta2**t)"),
    Mutation("adam-moments-swapped", "optim",
             (("    v = beta1 * config['v'] + (1 - beta1) * dw\n    a = beta2 * config['a'] + (1 - beta2) * dw**2\n",
               "    v = beta1 * config['v'] + (1 - beta1) * dw**2\n    a = beta2 * config['a'] + (1 - beta2) * dw\n"),),
             "Adam swaps the moments: v must average the gradient, a its square",
             "v = beta1*v + (1-beta1)*dw (first moment); a = beta2*a + (1-beta2)*dw**2 (second moment)"),
    Mutation("adam-in-place", "optim",
             (("    v = beta1 * config['v'] + (1 - beta1) * dw\n    a = beta2 * config['a'] + (1 - beta2) * dw**2\n",
               "    v, a = config['v'], config['a']\n    v *= beta1\n    v += (1 - beta1) * dw\n"
               "    a *= beta2\n    a += (1 - beta2) * dw**2\n"),
              ("    next_w = w - config['learning_rate'] * v_hat / (np.sqrt(a_hat) + config['epsilon'])\n",
               "    w -= config['learning_rate'] * v_hat / (np.sqrt(a_hat) + config['epsilon'])\n    next_w = w\n")),
             "Adam updating v, a and w in place", legit=True),
    # --- HW3 layers -------------------------------------------------------------------
    Mutation("affine-forward-no-reshape", "layers",
             (("    out = x.reshape(x.shape[0], -1) @ w + b\n", "    out = x @ w + b\n"),),
             "affine_forward does not flatten x of shape (N, d1, ..., dk) to (N, D)",
             "use x.reshape(x.shape[0], -1) before the matrix product"),
    Mutation("affine-backward-no-reshape", "layers",
             (("    dx = (dout @ w.T).reshape(x.shape)\n", "    dx = dout @ w.T\n"),),
             "affine_backward returns dx of shape (N, D) instead of x's shape",
             "reshape dx to x.shape"),
    Mutation("affine-backward-db-mean", "layers",
             (("    db = dout.sum(axis=0)\n", "    db = dout.mean(axis=0)\n"),),
             "affine_backward averages dout over the batch for db instead of summing it",
             "db = dout.sum(axis=0)"),
    Mutation("relu-forward-np-max", "layers",
             (("    out = np.maximum(x, 0)\n", "    out = np.max(x, 0)\n"),),
             "relu_forward uses np.max(x, 0), a maximum along axis 0, instead of np.maximum(x, 0)",
             "np.maximum compares elementwise: out = np.maximum(x, 0)"),
    Mutation("relu-backward-mutates-cache", "layers",
             (("    dx = dout * (x > 0)\n", "    x[x <= 0] = 0\n    x[x > 0] = 1\n    dx = dout * x\n"),),
             "relu_backward overwrites the cached x with a 0/1 mask",
             "build the mask as a new array: dx = dout * (x > 0)"),
    Mutation("relu-backward-mutates-dout", "layers",
             (("    dx = dout * (x > 0)\n", "    dx = dout\n    dx[x <= 0] = 0\n"),),
             "relu_backward zeroes entries of dout in place (dx = dout is not a copy)",
             "dx = dout * (x > 0), or start from dout.copy()"),
    Mutation("relu-backward-relu-of-dout", "layers",
             (("    dx = dout * (x > 0)\n", "    dx = np.maximum(dout, 0)\n"),),
             "relu_backward applies a ReLU to dout instead of masking it where x > 0",
             "the gradient passes where the INPUT was positive: dx = dout * (x > 0)"),
    Mutation("affine-relu-forward-no-relu", "layer_utils",
             (("    out, relu_cache = relu_forward(a)\n", "    out, relu_cache = a, a\n"),),
             "affine_relu_forward returns the affine output without the ReLU",
             "pass the affine output through relu_forward"),
    Mutation("affine-relu-backward-skips-relu", "layer_utils",
             (("    da = relu_backward(dout, relu_cache)\n", "    da = dout\n"),),
             "affine_relu_backward does not backpropagate through the ReLU",
             "da = relu_backward(dout, relu_cache), then affine_backward(da, fc_cache)"),
    # --- batchnorm --------------------------------------------------------------------
    Mutation("batchnorm-variance-ddof1", "layers",
             (("var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)"),),
             "batchnorm uses the corrected variance (ddof=1) instead of the batch variance",
             "use x.var(axis=0), which divides by N"),
    Mutation("batchnorm-wrong-axis", "layers",
             (("mu = x.mean(axis=0)", "mu = x.mean(axis=1, keepdims=True)"),
              ("var = x.var(axis=0)", "var = x.var(axis=1, keepdims=True)")),
             "batchnorm normalises each example over its features instead of each feature over the batch",
             "take the mean and variance over axis 0 (the batch)"),
    Mutation("batchnorm-momentum-swapped", "layers",
             (("running_mean = momentum * running_mean + (1 - momentum) * mu",
               "running_mean = (1 - momentum) * running_mean + momentum * mu"),
              ("running_var = momentum * running_var + (1 - momentum) * var",
               "running_var = (1 - momentum) * running_var + momentum * var")),
             "batchnorm's running averages weigh the new batch by momentum instead of 1 - momentum",
             "running = momentum * running + (1 - momentum) * batch_statistic"),
    Mutation("batchnorm-running-std", "layers",
             (("running_var = momentum * running_var + (1 - momentum) * var",
               "running_var = momentum * running_var + (1 - momentum) * np.sqrt(var)"),),
             "batchnorm keeps a running standard deviation instead of the running variance",
             "average the variance: running_var = momentum * running_var + (1 - momentum) * var"),
    Mutation("batchnorm-running-not-updated", "layers",
             (("        running_mean = momentum * running_mean + (1 - momentum) * mu\n"
               "        running_var = momentum * running_var + (1 - momentum) * var\n", ""),),
             "batchnorm never updates the running mean and variance in train mode",
             "update both running averages on every train-mode call"),
    Mutation("batchnorm-running-not-written-back", "layers",
             (("    bn_param['running_mean'] = running_mean\n    bn_param['running_var'] = running_var\n", ""),),
             "batchnorm does not store the running statistics back into bn_param",
             "write bn_param['running_mean'] and bn_param['running_var'] after updating them"),
    Mutation("batchnorm-no-eps", "layers",
             (("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var)"),),
             "batchnorm divides by sqrt(var) without eps",
             "normalise with np.sqrt(var + eps), eps from bn_param (default 1e-5)"),
    Mutation("batchnorm-test-uses-batch-stats", "layers",
             (("        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta\n",
               "        out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta\n"),),
             "batchnorm normalises with the test batch's own statistics at test time",
             "at test time use bn_param's running_mean and running_var"),
    Mutation("batchnorm-unknown-mode-as-test", "layers",
             (("    elif mode == 'test':\n\n        # ================================================================ #\n"
               "        # YOUR CODE HERE:\n        #   Calculate the testing time normalized activation.",
               "    else:\n\n        # ================================================================ #\n"
               "        # YOUR CODE HERE:\n        #   Calculate the testing time normalized activation."),
              ("    else:\n        raise ValueError('Invalid forward batchnorm mode \"%s\"' % mode)\n", "")),
             "batchnorm_forward accepts a mode other than 'train' and 'test' instead of raising ValueError",
             "raise ValueError for a mode that is neither 'train' nor 'test'"),
    Mutation("batchnorm-backward-no-mean-path", "layers",
             (("    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))\n",
               "    dx = inv_std * (dx_hat - x_hat * (dx_hat * x_hat).mean(axis=0))\n"),),
             "batchnorm_backward misses the gradient through the batch mean",
             "x feeds the mean, the variance and x_hat: sum the gradients of all three paths"),
    Mutation("batchnorm-backward-no-variance-path", "layers",
             (("    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))\n",
               "    dx = inv_std * (dx_hat - dx_hat.mean(axis=0))\n"),),
             "batchnorm_backward misses the gradient through the batch variance",
             "x feeds the mean, the variance and x_hat: sum the gradients of all three paths"),
    Mutation("batchnorm-backward-graph", "layers",
             (("        cache = (x_hat, gamma, inv_std)\n",
               "        cache = {'x': x, 'mu': mu, 'var': var, 'eps': eps, 'gamma': gamma}\n"),
              ("    x_hat, gamma, inv_std = cache\n    dbeta = dout.sum(axis=0)\n    dgamma = (dout * x_hat).sum(axis=0)\n"
               "    dx_hat = dout * gamma                                       # (N, D)\n"
               "    # The mean path and the variance path, folded into one expression.\n"
               "    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))\n",
               "    x, mu, var, eps, gamma = (cache[k] for k in ('x', 'mu', 'var', 'eps', 'gamma'))\n"
               "    N = x.shape[0]\n    xmu = x - mu\n    std = np.sqrt(var + eps)\n    x_hat = xmu / std\n"
               "    dbeta = np.sum(dout, axis=0)\n    dgamma = np.sum(dout * x_hat, axis=0)\n"
               "    dx_hat = dout * gamma\n"
               "    dvar = np.sum(dx_hat * xmu, axis=0) * -0.5 * (var + eps) ** -1.5\n"
               "    dmu = np.sum(-dx_hat / std, axis=0) + dvar * np.mean(-2.0 * xmu, axis=0)\n"
               "    dx = dx_hat / std + dvar * 2.0 * xmu / N + dmu / N\n")),
             "batchnorm backward staged through the computation graph, with a dict cache", legit=True),
    Mutation("batchnorm-backward-textbook", "layers",
             (("        cache = (x_hat, gamma, inv_std)\n", "        cache = (x, mu, inv_std, gamma)\n"),
              ("    x_hat, gamma, inv_std = cache\n",
               "    x, mu, inv_std, gamma = cache\n    x_hat = (x - mu) * inv_std\n    N = x.shape[0]\n"),
              ("    dx = inv_std * (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0))\n",
               "    dx = (1.0 / N) * gamma * inv_std * (N * dout - dout.sum(axis=0)"
               " - x_hat * (dout * x_hat).sum(axis=0))\n")),
             "batchnorm backward with the simplified textbook formula and another cache layout", legit=True),
    # --- dropout ----------------------------------------------------------------------
    Mutation("dropout-no-inverted-scaling", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP).astype(x.dtype, copy=False)",
               f"mask = {DRAW} < $KEEP).astype(x.dtype)"),),
             "dropout does not scale the kept units by 1 / $KEEP (not inverted dropout)",
             f"mask = {DRAW} < $KEEP) / $KEEP"),
    Mutation("dropout-mask-at-test", "layers",
             (("        out = x\n", f"        out = x * {DRAW} < $KEEP) / $KEEP\n"),),
             "dropout drops units at test time too",
             "in test mode return x unchanged"),
    Mutation("dropout-scale-at-test", "layers",
             (("        out = x\n", "        out = x * $KEEP\n"),),
             "dropout scales the output by $KEEP at test time (inverted dropout already scaled at train time)",
             "in test mode return x unchanged"),
    Mutation("dropout-unseeded-generator", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)",
               "mask = ((np.random.default_rng().random(x.shape) < $KEEP) / $KEEP)"),),
             "dropout_param['seed'] has no effect: the mask is not drawn from the np.random generator "
             "that dropout_forward seeds",
             "draw the mask with np.random.rand, the generator dropout_forward seeds"),
    Mutation("dropout-float64-output", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP).astype(x.dtype, copy=False)",
               f"mask = {DRAW} < $KEEP) / $KEEP"),
              ("    out = out.astype(x.dtype, copy=False)\n", "")),
             "dropout returns float64 for float32 input",
             "cast the mask (or the output) to x.dtype"),
    Mutation("dropout-backward-ignores-mask", "layers",
             (("        dx = dout * mask\n", "        dx = dout\n"),),
             "dropout_backward passes dout through without the forward mask in train mode",
             "dx = dout * mask, with the mask saved in the cache"),
    Mutation("dropout-backward-unscaled", "layers",
             (("        dx = dout * mask\n", "        dx = dout * (mask > 0)\n"),),
             "dropout_backward applies the mask without the 1 / $KEEP scaling",
             "use the same scaled mask as the forward pass: dx = dout * mask"),
    Mutation("dropout-backward-scale-at-test", "layers",
             (("        dx = dout\n", "        p = dropout_param['p']\n        dx = dout * $KEEP\n"),),
             "dropout_backward scales dout by $KEEP at test time",
             "in test mode dx = dout"),
    Mutation("dropout-mask-rand-ge", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)", f"mask = ({DRAW} >= $DROP) / $KEEP)"),),
             "dropout keeping units where rand >= $DROP", legit=True),
    Mutation("dropout-mask-binomial", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)", "mask = (np.random.binomial(1, $KEEP, size=x.shape) / $KEEP)"),),
             "dropout drawing its mask with np.random.binomial", legit=True),
    Mutation("dropout-mask-choice", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)",
               "mask = (np.random.choice([0, 1], size=x.shape, p=[1 - $KEEP, $KEEP]) / $KEEP)"),),
             "dropout drawing its mask with np.random.choice", legit=True),
    # --- FullyConnectedNet ------------------------------------------------------------
    Mutation("fc-reg-no-half", "fc_net",
             (("            loss += 0.5 * self.reg * sum(np.sum(W * W) for W in weights)\n",
               "            loss += self.reg * sum(np.sum(W * W) for W in weights)\n"),),
             "the L2 term of the loss lacks the 0.5 factor",
             "loss += 0.5 * reg * sum of W**2 over every weight matrix (its gradient is then reg * W)"),
    Mutation("fc-reg-all-params-in-loss", "fc_net",
             (("            loss += 0.5 * self.reg * sum(np.sum(W * W) for W in weights)\n",
               "            loss += 0.5 * self.reg * sum(np.sum(P * P) for P in self.params.values())\n"),),
             "the L2 term of the loss also includes biases (and gammas, betas), unlike the gradient",
             "regularise only the weight matrices W1..WL"),
    Mutation("fc-ignores-dtype", "fc_net",
             (("        for k, v in self.params.items():\n            self.params[k] = v.astype(dtype)\n",
               "        pass\n"),),
             "FullyConnectedNet does not cast its parameters to dtype",
             "cast every parameter with .astype(dtype)"),
    Mutation("fc-hardcoded-float32", "fc_net",
             (("            self.params[k] = v.astype(dtype)\n", "            self.params[k] = v.astype(np.float32)\n"),),
             "FullyConnectedNet always casts its parameters to float32, whatever dtype says",
             "cast every parameter with .astype(dtype)"),
    Mutation("fc-weights-not-scaled", "fc_net",
             (("self.params['W%d' % i] = weight_scale * np.random.randn(dims[i - 1], dims[i])",
               "self.params['W%d' % i] = np.random.randn(dims[i - 1], dims[i])"),),
             "FullyConnectedNet does not multiply its initial weights by weight_scale",
             "W = weight_scale * np.random.randn(fan_in, fan_out)"),
    Mutation("fc-gamma-init-zeros", "fc_net",
             (("self.params['gamma%d' % i] = np.ones(dims[i])", "self.params['gamma%d' % i] = np.zeros(dims[i])"),),
             "FullyConnectedNet initialises the batchnorm gammas to 0 instead of 1",
             "gammas start at 1 and betas at 0"),
    Mutation("fc-batchnorm-on-output", "fc_net",
             (("            if self.use_batchnorm and i < self.num_layers:\n", "            if self.use_batchnorm:\n"),
              ("[{'mode': 'train'} for i in np.arange(self.num_layers - 1)]",
               "[{'mode': 'train'} for i in np.arange(self.num_layers)]"),
              ("        scores, out_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n",
               "        scores, out_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n"
               "        if self.use_batchnorm:\n"
               "            scores, out_bn_cache = batchnorm_forward(scores, self.params['gamma%d' % L],\n"
               "                                                     self.params['beta%d' % L], self.bn_params[L - 1])\n"),
              ("        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dscores, out_cache)\n",
               "        if self.use_batchnorm:\n"
               "            dscores, grads['gamma%d' % L], grads['beta%d' % L] = batchnorm_backward(dscores, out_bn_cache)\n"
               "        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dscores, out_cache)\n")),
             "FullyConnectedNet batch-normalises the output scores too",
             "batchnorm goes between affine and ReLU in the hidden layers only, never on the scores"),
    Mutation("fc-shared-bn-param", "fc_net",
             (("[{'mode': 'train'} for i in np.arange(self.num_layers - 1)]",
               "[{'mode': 'train'}] * (self.num_layers - 1)"),),
             "every batchnorm layer shares one bn_param dict ([{...}] * n repeats the same dict)",
             "build a new dict per layer: [{'mode': 'train'} for i in range(num_layers - 1)]"),
    # The old starter's typo, outside the regions: not student work, so it costs nothing (the probes
    # set the modes themselves before every pass, as the course's starter does).
    Mutation("fc-bn-mode-typo", "fc_net",
             (("                bn_param['mode'] = mode\n", "                bn_param[mode] = mode\n"),),
             "the old starter's typo bn_param[mode] = mode (a starter line outside the regions)", legit=True),
    Mutation("fc-dropout-after-output", "fc_net",
             (("        scores, out_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n",
               "        scores, out_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n"
               "        if self.use_dropout:\n"
               "            scores, out_do_cache = dropout_forward(scores, self.dropout_param)\n"),
              ("        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dscores, out_cache)\n",
               "        if self.use_dropout:\n            dscores = dropout_backward(dscores, out_do_cache)\n"
               "        dh, grads['W%d' % L], grads['b%d' % L] = affine_backward(dscores, out_cache)\n")),
             "FullyConnectedNet applies dropout to the output scores too",
             "dropout goes after each hidden ReLU only"),
    Mutation("fc-dropout-complement", "fc_net",
             (("self.dropout_param = {'mode': 'train', 'p': dropout}",
               "self.dropout_param = {'mode': 'train', 'p': 1 - dropout}"),),
             "FullyConnectedNet passes 1 - dropout as p instead of dropout itself",
             "dropout is the dropout parameter p ($P_MEANS): pass it as p unchanged"),
    Mutation("fc-no-dropout", "fc_net",
             (("            if self.use_dropout:\n                h, do_cache = dropout_forward(h, self.dropout_param)\n", ""),
              ("            if self.use_dropout:\n                dh = dropout_backward(dh, do_cache)\n", "")),
             "FullyConnectedNet never applies dropout, whatever its dropout argument",
             "insert dropout_forward after every hidden ReLU when use_dropout is set (and dropout_backward in "
             "the backward pass)"),
    Mutation("fc-output-no-bias", "fc_net",
             (("        scores, out_cache = affine_forward(h, self.params['W%d' % L], self.params['b%d' % L])\n",
               "        scores, out_cache = affine_forward(h, self.params['W%d' % L], 0 * self.params['b%d' % L])\n"),),
             "the output layer's scores leave out its bias b_L",
             "scores = h @ W_L + b_L (affine_forward with the last layer's W and b)"),
    Mutation("fc-dropout-no-backward", "fc_net",
             (("            if self.use_dropout:\n                dh = dropout_backward(dh, do_cache)\n", ""),),
             "FullyConnectedNet does not backpropagate through its dropout layers",
             "call dropout_backward with each layer's dropout cache in the backward pass"),
    Mutation("fc-dropout-always-train", "fc_net",
             (("            self.dropout_param['mode'] = mode\n", "            self.dropout_param['mode'] = 'train'\n"),),
             "FullyConnectedNet keeps dropout in train mode at test time",
             "set dropout_param['mode'] = mode ('test' when y is None)"),
    Mutation("fc-dropout-inline", "fc_net",
             (("                h, do_cache = dropout_forward(h, self.dropout_param)\n",
               "                if 'seed' in self.dropout_param:\n"
               "                    np.random.seed(self.dropout_param['seed'])\n"
               "                do_cache = None\n"
               "                if mode == 'train':\n"
               "                    p = self.dropout_param['p']\n"
               "                    do_cache = (np.random.rand(*h.shape) < $KEEP) / $KEEP\n"
               "                    h = h * do_cache\n"),
              ("                dh = dropout_backward(dh, do_cache)\n",
               "                dh = dh * do_cache\n")),
             "dropout written inline in the network instead of calling dropout_forward", legit=True),
    Mutation("fc-dropout-inline-no-backward", "fc_net",
             (("                h, do_cache = dropout_forward(h, self.dropout_param)\n",
               "                if 'seed' in self.dropout_param:\n"
               "                    np.random.seed(self.dropout_param['seed'])\n"
               "                do_cache = None\n"
               "                if mode == 'train':\n"
               "                    p = self.dropout_param['p']\n"
               "                    do_cache = (np.random.rand(*h.shape) < $KEEP) / $KEEP\n"
               "                    h = h * do_cache\n"),
              ("            if self.use_dropout:\n                dh = dropout_backward(dh, do_cache)\n", "")),
             "inline dropout in the network, without its backward pass",
             "multiply the upstream gradient by the same mask in the backward pass"),
    Mutation("fc-dropout-before-relu", "fc_net",
             (("            h, relu_cache = relu_forward(a)\n            do_cache = None\n            if self.use_dropout:\n"
               "                h, do_cache = dropout_forward(h, self.dropout_param)\n",
               "            do_cache = None\n            if self.use_dropout:\n"
               "                a, do_cache = dropout_forward(a, self.dropout_param)\n"
               "            h, relu_cache = relu_forward(a)\n"),
              ("            if self.use_dropout:\n                dh = dropout_backward(dh, do_cache)\n"
               "            da = relu_backward(dh, relu_cache)\n",
               "            da = relu_backward(dh, relu_cache)\n            if self.use_dropout:\n"
               "                da = dropout_backward(da, do_cache)\n")),
             "dropout applied before the ReLU (the same function: relu(m*a) = m*relu(a) for m >= 0)", legit=True),
    Mutation("fc-affine-batchnorm-relu-helper", "fc_net",
             (("class TwoLayerNet(object):",
               "def affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param):\n"
               "    a, fc_cache = affine_forward(x, w, b)\n"
               "    a_bn, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)\n"
               "    out, relu_cache = relu_forward(a_bn)\n"
               "    return out, (fc_cache, bn_cache, relu_cache)\n\n\n"
               "def affine_batchnorm_relu_backward(dout, cache):\n"
               "    fc_cache, bn_cache, relu_cache = cache\n"
               "    da_bn = relu_backward(dout, relu_cache)\n"
               "    da, dgamma, dbeta = batchnorm_backward(da_bn, bn_cache)\n"
               "    dx, dw, db = affine_backward(da, fc_cache)\n"
               "    return dx, dw, db, dgamma, dbeta\n\n\n"
               "class TwoLayerNet(object):"),
              ("            a, fc_cache = affine_forward(h, self.params['W%d' % i], self.params['b%d' % i])\n"
               "            bn_cache = None\n"
               "            if self.use_batchnorm:\n"
               "                a, bn_cache = batchnorm_forward(a, self.params['gamma%d' % i],\n"
               "                                                self.params['beta%d' % i], self.bn_params[i - 1])\n"
               "            h, relu_cache = relu_forward(a)\n",
               "            W, b = self.params['W%d' % i], self.params['b%d' % i]\n"
               "            if self.use_batchnorm:\n"
               "                h, fc_cache = affine_batchnorm_relu_forward(h, W, b, self.params['gamma%d' % i],\n"
               "                                                            self.params['beta%d' % i],\n"
               "                                                            self.bn_params[i - 1])\n"
               "            else:\n"
               "                h, fc_cache = affine_relu_forward(h, W, b)\n"
               "            bn_cache = relu_cache = None\n"),
              ("            da = relu_backward(dh, relu_cache)\n"
               "            if self.use_batchnorm:\n"
               "                da, grads['gamma%d' % i], grads['beta%d' % i] = batchnorm_backward(da, bn_cache)\n"
               "            dh, grads['W%d' % i], grads['b%d' % i] = affine_backward(da, fc_cache)\n",
               "            if self.use_batchnorm:\n"
               "                dh, grads['W%d' % i], grads['b%d' % i], grads['gamma%d' % i], grads['beta%d' % i] = \\\n"
               "                    affine_batchnorm_relu_backward(dh, fc_cache)\n"
               "            else:\n"
               "                dh, grads['W%d' % i], grads['b%d' % i] = affine_relu_backward(dh, fc_cache)\n")),
             "the network built from affine_relu and an own affine_batchnorm_relu helper layer", legit=True),
    # --- more classic mistakes, and legitimate rewrites (added with nndl_hw4.diagnosis) -------
    Mutation("adam-moments-not-stored", "optim",
             (("    config['v'], config['a'], config['t'] = v, a, t\n", "    config['t'] = t\n"),),
             "Adam stores t but not the moments v and a in config, so every step starts from zero moments",
             "write config['v'] = v and config['a'] = a with t"),
    Mutation("nesterov-velocity-not-stored", "optim",
             (("    config['velocity'] = v\n    return next_w, config\n\n\ndef rmsprop",
               "    return next_w, config\n\n\ndef rmsprop"),),
             "Nesterov momentum does not store the new velocity in config, so every step starts from zero velocity",
             "write config['velocity'] = v before returning"),
    Mutation("adam-t-incremented-after-use", "optim",
             (("    t = config['t'] + 1\n", "    t = config['t']\n"),
              ("    config['v'], config['a'], config['t'] = v, a, t\n",
               "    config['v'], config['a'], config['t'] = v, a, t + 1\n")),
             "Adam bias-corrects with the old t and increments it only when storing it",
             "increment t first (t = config['t'] + 1) and use that t in the bias correction"),
    Mutation("dropout-scale-wrong-factor", "layers",
             ((f"mask = ({DRAW} < $KEEP) / $KEEP)", f"mask = ({DRAW} < $KEEP) / $DROP)"),),
             "dropout keeps a unit with probability $KEEP but scales the kept ones by 1 / $DROP instead of 1 / $KEEP",
             "a unit is kept with probability $KEEP, so scale the kept units by 1 / $KEEP"),
    Mutation("fc-reg-gradient-doubled", "fc_net",
             (("                grads['W%d' % i] += self.reg * W\n", "                grads['W%d' % i] += 2 * self.reg * W\n"),),
             "the L2 gradient is 2 * reg * W although the loss has the 0.5 factor",
             "the gradient of 0.5 * reg * sum(W**2) is reg * W"),
    Mutation("batchnorm-test-no-eps", "layers",
             (("        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta\n",
               "        out = gamma * (x - running_mean) / np.sqrt(running_var) + beta\n"),),
             "batchnorm normalising with sqrt(running_var) without eps at test time (every running "
             "variance of the hidden cases is at least 5 eps)", legit=True),
    Mutation("batchnorm-backward-dgamma-no-xhat", "layers",
             (("    dgamma = (dout * x_hat).sum(axis=0)\n", "    dgamma = dout.sum(axis=0)\n"),),
             "batchnorm_backward sums dout for dgamma without multiplying by the normalised input x_hat",
             "dgamma = np.sum(dout * x_hat, axis=0)"),
    Mutation("nesterov-lookahead-form", "optim",
             (("    next_w = w + v + config['momentum'] * (v - v_old)\n",
               "    next_w = w + config['momentum'] * v - config['learning_rate'] * dw\n"),),
             "Nesterov momentum written as w + mu*v - lr*dw (the same update)", legit=True),
    Mutation("nesterov-in-place", "optim",
             (("    v_old = v\n    v = config['momentum'] * v - config['learning_rate'] * dw\n"
               "    next_w = w + v + config['momentum'] * (v - v_old)\n",
               "    v_old = v.copy()\n    v *= config['momentum']\n    v -= config['learning_rate'] * dw\n"
               "    w += v + config['momentum'] * (v - v_old)\n    next_w = w\n"),),
             "Nesterov momentum updating the velocity and w in place", legit=True),
    Mutation("dropout-cache-dict", "layers",
             (("    cache = (dropout_param, mask)\n",
               "    cache = {'mask': mask, 'mode': dropout_param['mode'], 'p': dropout_param['p']}\n"),
              ("    dropout_param, mask = cache\n    mode = dropout_param['mode']\n",
               "    mask, mode = cache['mask'], cache['mode']\n")),
             "dropout with a dict cache", legit=True),
    Mutation("affine-cache-flat-x", "layers",
             (("    cache = (x, w, b)\n    return out, cache\n",
               "    cache = (x.reshape(x.shape[0], -1), w, x.shape)\n    return out, cache\n"),
              ("    x, w, b = cache\n", "    x2d, w, x_shape = cache\n"),
              ("    dx = (dout @ w.T).reshape(x.shape)\n    dw = x.reshape(x.shape[0], -1).T @ dout\n",
               "    dx = (dout @ w.T).reshape(x_shape)\n    dw = x2d.T @ dout\n")),
             "the affine layer caching the flattened x and x's shape instead of x", legit=True),
    Mutation("fc-gamma-beta-rows", "fc_net",
             (("                self.params['gamma%d' % i] = np.ones(dims[i])\n"
               "                self.params['beta%d' % i] = np.zeros(dims[i])\n",
               "                self.params['gamma%d' % i] = np.ones((1, dims[i]))\n"
               "                self.params['beta%d' % i] = np.zeros((1, dims[i]))\n"),),
             "gammas and betas of shape (1, H) instead of (H,)", legit=True),
    Mutation("fc-bn-params-dict", "fc_net",
             (("            self.bn_params = [{'mode': 'train'} for i in np.arange(self.num_layers - 1)]\n",
               "            self.bn_params = {i: {'mode': 'train'} for i in range(self.num_layers - 1)}\n"),
              ("            for bn_param in self.bn_params:\n",
               "            for bn_param in self.bn_params.values():\n")),
             "bn_params kept in a dict keyed by layer instead of a list", legit=True),
    Mutation("layer-utils-affine-batchnorm-relu", "layer_utils",
             (("from .layers import affine_backward, affine_forward, relu_backward, relu_forward\n",
               "from .layers import (affine_backward, affine_forward, batchnorm_backward, batchnorm_forward,\n"
               "                     relu_backward, relu_forward)\n\n\n"
               "def affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param):\n"
               "    a, fc_cache = affine_forward(x, w, b)\n"
               "    a_bn, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)\n"
               "    out, relu_cache = relu_forward(a_bn)\n"
               "    return out, (fc_cache, bn_cache, relu_cache)\n\n\n"
               "def affine_batchnorm_relu_backward(dout, cache):\n"
               "    fc_cache, bn_cache, relu_cache = cache\n"
               "    da, dgamma, dbeta = batchnorm_backward(relu_backward(dout, relu_cache), bn_cache)\n"
               "    dx, dw, db = affine_backward(da, fc_cache)\n"
               "    return dx, dw, db, dgamma, dbeta\n"),),
             "layer_utils with affine_batchnorm_relu_forward/backward helpers added", legit=True),
)


@functools.lru_cache(maxsize=None)
def catalogue(course=courses.DEFAULT):
    """Every mutation, worded and written for `course` (ids are the same in every course)."""
    return tuple(m.rendered(course) for m in _MUTATIONS)


CATALOGUE = catalogue()     # the default course's


def by_id(mutation_id, course=courses.DEFAULT):
    for mutation in catalogue(course):
        if mutation.id == mutation_id:
            return mutation
    raise KeyError(mutation_id)
