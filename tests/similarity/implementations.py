"""Independent implementations of every YOUR CODE HERE region, in several styles.

Each region has two to four genuinely different implementations (loops vs
vectorised, other caches, other intermediate values, in place or not), and
every implementation is written through a ``Style``: one student's habits
(``np.sum(e, axis=0)`` or ``e.sum(0)``, ``a @ b`` or ``np.dot(a, b)``, how
keys are formatted, whether config values are read into locals first, their
variable names). Composing students from them (classgen.py) gives a class in
which independent students differ the way real ones do, and share what real
ones share: the short canonical lines.

A body is the region's text at indentation 0; ``classgen`` indents it.
Regions of one function that share a cache (batchnorm forward/backward, the
network's forward/backward) come as one family.
"""

import random
from dataclasses import dataclass, field

NAMES = {   # role -> names students use for it
    "lr": ["lr", "learning_rate", "alpha", "step_size"], "mu": ["mu", "momentum", "rho", "beta"],
    "vprev": ["v_prev", "v_old", "old_v", "prev_velocity"], "decay": ["decay", "decay_rate", "dr", "gamma_"],
    "eps": ["eps", "epsilon", "e", "tiny"], "b1": ["beta1", "b1", "beta_1"], "b2": ["beta2", "b2", "beta_2"],
    "t": ["t", "step", "it", "time_step"], "m": ["m", "first", "mom1", "v_new"], "a": ["a", "second", "mom2", "cache2"],
    "mhat": ["v_hat", "m_hat", "m_corr", "first_unbiased"], "ahat": ["a_hat", "v_corr", "a_corr", "second_unbiased"],
    "xf": ["x_flat", "x2d", "x_row", "X_reshaped"], "n": ["N", "n", "num", "batch"],
    "mean": ["mu", "mean", "sample_mean", "batch_mean"], "var": ["var", "variance", "sample_var", "batch_var"],
    "xhat": ["x_hat", "x_norm", "xn", "normalized"], "std": ["std", "sigma", "stdev", "sd"],
    "inv": ["inv_std", "istd", "inv_sigma", "rstd"], "xc": ["xc", "x_centered", "xmu", "diff"],
    "dxhat": ["dx_hat", "dxn", "dnorm", "d_xhat"], "keep": ["keep", "keep_mask", "kept", "retain"],
    "dims": ["dims", "layer_dims", "sizes", "all_dims"], "h": ["h", "out", "hidden", "layer_in"],
    "caches": ["caches", "cache_list", "layer_caches", "memo"], "L": ["L", "n_layers", "last", "num"],
    "dh": ["dh", "dout", "upstream", "grad"], "i": ["i", "l", "layer", "k"],
}


KEYS = {    # dict keys of a student's own caches -> the words students use for them
    "affine": ["affine", "fc", "aff", "linear"], "bn": ["bn", "batchnorm", "norm", "bnorm"],
    "relu": ["relu", "act", "nonlin", "r"], "drop": ["drop", "dropout", "do", "drop_mask"],
    "layer": ["layer", "block", "main", "c"], "x": ["x", "inp", "input", "X"],
    "mean": ["mean", "mu", "sample_mean", "avg"], "var": ["var", "variance", "sample_var", "sigma2"],
    "x_norm": ["x_norm", "x_hat", "xhat", "normalized"], "gamma": ["gamma", "g", "scale", "gam"],
    "eps": ["eps", "epsilon", "e", "tol"],
}


@dataclass
class Style:
    """One student's habits: a preferred form for each construct, used most of the time.

    Real students are not perfectly consistent, so each use takes the preferred form with
    probability ``PREFERENCE`` and any form otherwise (``rng`` is the student's own).
    """

    rng: random.Random
    prefer: dict = field(default_factory=dict)     # construct -> index of the preferred form
    names: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)

    PREFERENCE = 0.6
    FORMS = {"sum": 4, "dot": 3, "sqrt": 3, "sq": 4, "key": 4, "inline": 2}

    @classmethod
    def draw(cls, rng):
        style = cls(rng, {construct: rng.randrange(n) for construct, n in cls.FORMS.items()})
        style.names = {role: rng.choice(options) for role, options in NAMES.items()}
        style.keys = {word: rng.choice(options) for word, options in KEYS.items()}
        return style

    def k(self, word):
        """The student's own name for a dict key."""
        return self.keys[word]

    def form(self, construct):
        if self.rng.random() < self.PREFERENCE:
            return self.prefer[construct]
        return self.rng.randrange(self.FORMS[construct])

    def n(self, role):
        return self.names[role]

    def pick(self, *options):
        """A choice made afresh each time (not a habit)."""
        return self.rng.choice(options)

    def sum(self, e, axis=0):
        return [f"np.sum({e}, axis={axis})", f"{_atom(e)}.sum(axis={axis})", f"np.sum({e}, {axis})",
                f"{_atom(e)}.sum({axis})"][self.form("sum")]

    def mean(self, e, axis=0):
        return [f"np.mean({e}, axis={axis})", f"{_atom(e)}.mean(axis={axis})", f"np.mean({e}, {axis})",
                f"{_atom(e)}.mean({axis})"][self.form("sum")]

    def dot(self, a, b):
        return [f"{_atom(a)} @ {_atom(b)}", f"np.dot({a}, {b})", f"{_atom(a)}.dot({b})"][self.form("dot")]

    def sqrt(self, e):
        return [f"np.sqrt({e})", f"({e}) ** 0.5", f"np.power({e}, 0.5)"][self.form("sqrt")]

    def sq(self, e):
        return [f"{_atom(e)} ** 2", f"{_atom(e)} * {_atom(e)}", f"np.square({e})", f"np.power({e}, 2)"][self.form("sq")]

    def key(self, prefix, var):
        return [f"'{prefix}%d' % {var}", f"f'{prefix}{{{var}}}'", f"'{prefix}' + str({var})",
                f"'{prefix}{{}}'.format({var})"][self.form("key")]

    def cfg(self, key, role, lines):
        """config[key] inline, or a local read first (added to ``lines``)."""
        name = self.n(role)
        if f"{name} = config['{key}']" in lines:
            return name
        if self.form("inline") == 0:
            return f"config['{key}']"
        lines.append(f"{name} = config['{key}']")
        return name


def _atom(e):
    return e if e.replace("_", "").replace(".", "").isalnum() else f"({e})"


def _join(lines):
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- optim

def momentum_a(s):
    pre = []
    mu, lr = s.cfg("momentum", "mu", pre), s.cfg("learning_rate", "lr", pre)
    return _join(pre + [f"v = {mu} * v - {lr} * dw", "next_w = w + v"])


def momentum_b(s):
    return _join(["v *= config['momentum']", "v -= config['learning_rate'] * dw", "next_w = w + v"])


def momentum_c(s):
    pre = []
    mu, lr = s.cfg("momentum", "mu", pre), s.cfg("learning_rate", "lr", pre)
    return _join(pre + [f"next_w = w + {mu} * v - {lr} * dw", "v = next_w - w"])


def nesterov_a(s):
    pre = []
    mu, lr = s.cfg("momentum", "mu", pre), s.cfg("learning_rate", "lr", pre)
    p = s.n("vprev")
    return _join(pre + [f"{p} = v", f"v = {mu} * v - {lr} * dw", f"next_w = w + v + {mu} * (v - {p})"])


def nesterov_b(s):
    pre = []
    mu, lr = s.cfg("momentum", "mu", pre), s.cfg("learning_rate", "lr", pre)
    p = s.n("vprev")
    return _join(pre + [f"{p} = v.copy()", f"v = {mu} * v - {lr} * dw", f"next_w = w - {mu} * {p} + (1 + {mu}) * v"])


def nesterov_c(s):
    return _join(["mu, lr = config['momentum'], config['learning_rate']", "v_next = mu * v - lr * dw",
                  "next_w = w + (1 + mu) * v_next - mu * v", "v = v_next"])


def rmsprop_a(s):
    pre = []
    d, lr, eps = s.cfg("decay_rate", "decay", pre), s.cfg("learning_rate", "lr", pre), s.cfg("epsilon", "eps", pre)
    root = s.sqrt("config['a']")
    return _join(pre + [f"config['a'] = {d} * config['a'] + (1 - {d}) * {s.sq('dw')}",
                        f"next_w = w - {lr} * dw / ({root} + {eps})"])


def rmsprop_b(s):
    a = s.n("a")
    return _join([f"{a} = config['a']", f"{a} = {a} * config['decay_rate'] + (1 - config['decay_rate']) * {s.sq('dw')}",
                  f"step = config['learning_rate'] * dw / ({s.sqrt(a)} + config['epsilon'])", "next_w = w - step",
                  f"config['a'] = {a}"])


def rmsprop_c(s):
    root = s.sqrt("config['a']")
    return _join(["config['a'] *= config['decay_rate']", f"config['a'] += (1 - config['decay_rate']) * {s.sq('dw')}",
                  f"denom = {root} + config['epsilon']",
                  "next_w = w - config['learning_rate'] * dw / denom"])


def adam_a(s):
    pre = []
    b1, b2 = s.cfg("beta1", "b1", pre), s.cfg("beta2", "b2", pre)
    lr, eps = s.cfg("learning_rate", "lr", pre), s.cfg("epsilon", "eps", pre)
    t, m, a, mh, ah = s.n("t"), s.n("m"), s.n("a"), s.n("mhat"), s.n("ahat")
    return _join(pre + [f"{t} = config['t'] + 1", f"{m} = {b1} * config['v'] + (1 - {b1}) * dw",
                        f"{a} = {b2} * config['a'] + (1 - {b2}) * {s.sq('dw')}",
                        f"{mh} = {m} / (1 - {b1} ** {t})", f"{ah} = {a} / (1 - {b2} ** {t})",
                        f"next_w = w - {lr} * {mh} / ({s.sqrt(ah)} + {eps})",
                        f"config['t'] = {t}", f"config['v'] = {m}", f"config['a'] = {a}"])


def adam_b(s):
    mh, ah = s.n("mhat"), s.n("ahat")
    return _join(["config['t'] += 1", "config['v'] = config['beta1'] * config['v'] + (1 - config['beta1']) * dw",
                  f"config['a'] = config['beta2'] * config['a'] + (1 - config['beta2']) * {s.sq('dw')}",
                  f"{mh} = config['v'] / (1 - config['beta1'] ** config['t'])",
                  f"{ah} = config['a'] / (1 - config['beta2'] ** config['t'])",
                  f"next_w = w - config['learning_rate'] * {mh} / ({s.sqrt(ah)} + config['epsilon'])"])


def adam_c(s):
    t = s.n("t")
    return _join([f"{t} = config['t'] + 1", "b1, b2 = config['beta1'], config['beta2']",
                  f"lr_t = config['learning_rate'] * {s.sqrt(f'1 - b2 ** {t}')} / (1 - b1 ** {t})",
                  "v = b1 * config['v'] + (1 - b1) * dw", f"a = b2 * config['a'] + (1 - b2) * {s.sq('dw')}",
                  f"next_w = w - lr_t * v / ({s.sqrt('a')} + config['epsilon'])",
                  f"config.update(v=v, a=a, t={t})"])


# ---------------------------------------------------------------- layers

def affine_forward_a(s):
    return _join([f"out = {s.dot('x.reshape(x.shape[0], -1)', 'w')} + b"])


def affine_forward_b(s):
    n, xf = s.n("n"), s.n("xf")
    return _join([f"{n} = x.shape[0]", f"{xf} = x.reshape({n}, -1)", f"out = {s.dot(xf, 'w')} + b"])


def affine_forward_c(s):
    return _join(["D = int(np.prod(x.shape[1:]))", f"out = {s.dot('np.reshape(x, (x.shape[0], D))', 'w')} + b[np.newaxis, :]"])


def affine_backward_a(s):
    return _join([f"dx = {s.dot('dout', 'w.T')}.reshape(x.shape)", f"dw = {s.dot('x.reshape(x.shape[0], -1).T', 'dout')}",
                  f"db = {s.sum('dout')}"])


def affine_backward_b(s):
    n, xf = s.n("n"), s.n("xf")
    return _join([f"{n} = x.shape[0]", f"{xf} = x.reshape({n}, -1)", f"dw = {s.dot(xf + '.T', 'dout')}",
                  f"dx = np.reshape({s.dot('dout', 'w.T')}, x.shape)", f"db = {s.sum('dout')}"])


def affine_backward_c(s):
    return _join(["dx = np.zeros_like(x, dtype=float).reshape(x.shape[0], -1)",
                  "for row in range(dout.shape[0]):", "    dx[row] = w @ dout[row]", "dx = dx.reshape(x.shape)",
                  "dw = np.einsum('nd,nm->dm', x.reshape(x.shape[0], -1), dout)", "db = dout.sum(0)"])


def relu_forward_a(s):
    return _join(["out = np.maximum(0, x)"])


def relu_forward_b(s):
    return _join(["out = x * (x > 0)"])


def relu_forward_c(s):
    return _join(["out = np.where(x > 0, x, 0)"])


def relu_forward_d(s):
    return _join(["out = x.copy()", "out[out < 0] = 0"])


def relu_backward_a(s):
    return _join(["dx = dout * (x > 0)"])


def relu_backward_b(s):
    return _join(["dx = np.where(x > 0, dout, 0)"])


def relu_backward_c(s):
    return _join(["dx = dout.copy()", "dx[x <= 0] = 0"])


def bn_family_a(s):
    """The reference's cache (x_hat, gamma, inv_std) and its one-line backward."""
    mu, var, inv, xh, dxh = s.n("mean"), s.n("var"), s.n("inv"), s.n("xhat"), s.n("dxhat")
    train = [f"{mu} = {s.mean('x')}", f"{var} = x.var(axis=0)", f"{inv} = 1.0 / {s.sqrt(f'{var} + eps')}",
             f"{xh} = (x - {mu}) * {inv}", f"out = gamma * {xh} + beta",
             f"running_mean = momentum * running_mean + (1 - momentum) * {mu}",
             f"running_var = momentum * running_var + (1 - momentum) * {var}", f"cache = ({xh}, gamma, {inv})"]
    backward = [f"{xh}, gamma, {inv} = cache", f"dbeta = {s.sum('dout')}", f"dgamma = {s.sum(f'dout * {xh}')}",
                f"{dxh} = dout * gamma",
                f"dx = {inv} * ({dxh} - {s.mean(dxh)} - {xh} * {s.mean(f'{dxh} * {xh}')})"]
    return _join(train), _join(backward)


def bn_family_b(s):
    """A staged computation graph, backpropagated node by node."""
    xc, std, xh = s.n("xc"), s.n("std"), s.n("xhat")
    train = [f"mu = {s.mean('x')}", f"{xc} = x - mu", f"var = {s.mean(s.sq(xc))}", f"{std} = {s.sqrt('var + eps')}",
             f"{xh} = {xc} / {std}", f"out = gamma * {xh} + beta", f"cache = (x, {xc}, {xh}, {std}, gamma, var, eps)",
             "running_mean = momentum * running_mean + (1 - momentum) * mu",
             "running_var = momentum * running_var + (1 - momentum) * var"]
    backward = [f"x, {xc}, {xh}, {std}, gamma, var, eps = cache", "N = x.shape[0]", f"dbeta = {s.sum('dout')}",
                f"dgamma = {s.sum(f'dout * {xh}')}", f"d{xh} = dout * gamma", f"dxc = d{xh} / {std}",
                f"dstd = -{s.sum(f'd{xh} * {xc} / {s.sq(std)}')}", f"dvar = 0.5 * dstd / {std}",
                f"dxc += (2.0 / N) * {xc} * dvar", f"dmu = -{s.sum('dxc')}", "dx = dxc + dmu / N"]
    return _join(train), _join(backward)


def bn_family_c(s):
    """A dict cache and the textbook three-term backward."""
    k = s.k
    train = ["sample_mean = x.mean(0)", "sample_var = x.var(0)",
             f"x_norm = (x - sample_mean) / {s.sqrt('sample_var + eps')}", "out = x_norm * gamma + beta",
             "running_mean *= momentum", "running_mean += (1 - momentum) * sample_mean",
             "running_var = running_var * momentum + sample_var * (1 - momentum)",
             f"cache = {{'{k('x')}': x, '{k('mean')}': sample_mean, '{k('var')}': sample_var, "
             f"'{k('x_norm')}': x_norm, '{k('gamma')}': gamma, '{k('eps')}': eps}}"]
    root = s.sqrt(f"cache['{k('var')}'] + cache['{k('eps')}']")
    dgamma = s.sum(f"dout * cache['{k('x_norm')}']")
    backward = ["N = dout.shape[0]", f"x_mu = cache['{k('x')}'] - cache['{k('mean')}']", f"inv = 1.0 / {root}",
                f"dx_norm = dout * cache['{k('gamma')}']", f"dvar = {s.sum('dx_norm * x_mu')} * -0.5 * inv ** 3",
                f"dmean = {s.sum('-dx_norm * inv')} + dvar * {s.mean('-2.0 * x_mu')}",
                "dx = dx_norm * inv + dvar * 2 * x_mu / N + dmean / N",
                f"dgamma = {dgamma}", f"dbeta = {s.sum('dout')}"]
    return _join(train), _join(backward)


def bn_test_a(s):
    return _join([f"out = gamma * (x - running_mean) / {s.sqrt('running_var + eps')} + beta"])


def bn_test_b(s):
    xh = s.n("xhat")
    return _join([f"{xh} = (x - running_mean) / {s.sqrt('running_var + eps')}", f"out = gamma * {xh} + beta"])


def bn_test_c(s):
    return _join([f"scale = gamma / {s.sqrt('running_var + eps')}", "out = x * scale + (beta - running_mean * scale)"])


def dropout_train_a(s):
    return _join(["mask = (np.random.rand(*x.shape) < p) / p", "out = x * mask"])


def dropout_train_b(s):
    k = s.n("keep")
    return _join([f"{k} = np.random.uniform(size=x.shape) < p", f"mask = {k}.astype(x.dtype) / p", "out = mask * x"])


def dropout_train_c(s):
    return _join(["mask = (np.random.random_sample(x.shape) < p).astype(x.dtype)", "mask /= p", "out = x * mask"])


DROPOUT_TEST = ["out = x\n", "out = x.copy()\n", "out = np.array(x, copy=True)\n"]
DROPOUT_BACKWARD_TRAIN = ["dx = dout * mask\n", "dx = mask * dout\n", "dx = np.multiply(dout, mask)\n"]
DROPOUT_BACKWARD_TEST = ["dx = dout\n", "dx = dout.copy()\n"]


# ---------------------------------------------------------------- layer_utils

def affine_relu_family_a(s):
    return (_join(["a, fc_cache = affine_forward(x, w, b)", "out, relu_cache = relu_forward(a)",
                   "cache = (fc_cache, relu_cache)"]),
            _join(["fc_cache, relu_cache = cache", "da = relu_backward(dout, relu_cache)",
                   "dx, dw, db = affine_backward(da, fc_cache)"]))


def affine_relu_family_b(s):
    return (_join(["scores, affine_cache = affine_forward(x, w, b)", "out, r_cache = relu_forward(scores)",
                   f"cache = {{'{s.k('affine')}': affine_cache, '{s.k('relu')}': r_cache}}"]),
            _join([f"dx, dw, db = affine_backward(relu_backward(dout, cache['{s.k('relu')}']), cache['{s.k('affine')}'])"]))


# ---------------------------------------------------------------- fc_net

def _randn(s, rows, cols):
    return s.pick(f"weight_scale * np.random.randn({rows}, {cols})",
                  f"np.random.normal(0, weight_scale, ({rows}, {cols}))",
                  f"np.random.normal(scale=weight_scale, size=({rows}, {cols}))",
                  f"weight_scale * np.random.standard_normal(({rows}, {cols}))")


def _zeros(s, n, fill="zeros"):
    return s.pick(f"np.{fill}({n})", f"np.{fill}(({n},))", f"np.{fill}({n}, dtype=float)")


def init_a(s):
    d, i = s.n("dims"), s.n("i")
    last = s.pick(f"{i} < self.num_layers", f"{i} != self.num_layers", f"{i} <= len(hidden_dims)")
    return _join([f"{d} = [input_dim] + list(hidden_dims) + [num_classes]",
                  f"for {i} in range(1, self.num_layers + 1):",
                  f"    self.params[{s.key('W', i)}] = {_randn(s, f'{d}[{i} - 1]', f'{d}[{i}]')}",
                  f"    self.params[{s.key('b', i)}] = {_zeros(s, f'{d}[{i}]')}",
                  f"    if self.use_batchnorm and {last}:",
                  f"        self.params[{s.key('gamma', i)}] = {_zeros(s, f'{d}[{i}]', 'ones')}",
                  f"        self.params[{s.key('beta', i)}] = {_zeros(s, f'{d}[{i}]')}"])


def init_b(s):
    d = s.n("dims")
    first = s.pick(f"{d} = [input_dim, *hidden_dims, num_classes]", f"{d} = [input_dim] + hidden_dims + [num_classes]")
    return _join([first, "for idx in range(self.num_layers):",
                  f"    self.params[{s.key('W', 'idx + 1')}] = {_randn(s, f'{d}[idx]', f'{d}[idx + 1]')}",
                  f"    self.params[{s.key('b', 'idx + 1')}] = {_zeros(s, f'{d}[idx + 1]')}",
                  "for idx in range(self.num_layers - 1):",
                  "    if self.use_batchnorm:",
                  f"        self.params[{s.key('gamma', 'idx + 1')}] = {_zeros(s, 'hidden_dims[idx]', 'ones')}",
                  f"        self.params[{s.key('beta', 'idx + 1')}] = {_zeros(s, 'hidden_dims[idx]')}"])


def init_c(s):
    return _join(["prev = input_dim", "for layer, size in enumerate(hidden_dims, start=1):",
                  f"    self.params[{s.key('W', 'layer')}] = {_randn(s, 'prev', 'size')}",
                  f"    self.params[{s.key('b', 'layer')}] = {_zeros(s, 'size')}",
                  "    if self.use_batchnorm:",
                  f"        self.params[{s.key('gamma', 'layer')}] = {_zeros(s, 'size', 'ones')}",
                  f"        self.params[{s.key('beta', 'layer')}] = {_zeros(s, 'size')}",
                  "    prev = size",
                  f"self.params[{s.key('W', 'self.num_layers')}] = {_randn(s, 'prev', 'num_classes')}",
                  f"self.params[{s.key('b', 'self.num_layers')}] = {_zeros(s, 'num_classes')}"])


def loss_family_a(s):
    """A list of per-layer cache tuples (the reference's shape); several places for the L2 term."""
    i, h, caches, dh = s.n("i"), s.n("h"), s.n("caches"), s.n("dh")
    L = s.pick(s.n("L"), "self.num_layers")
    W, b = (lambda v: f"self.params[{s.key('W', v)}]"), (lambda v: f"self.params[{s.key('b', v)}]")
    nones = s.pick(True, False)
    forward = [f"{caches} = []", f"{h} = X", f"for {i} in range(1, self.num_layers):",
               f"    {h}, fc_cache = affine_forward({h}, {W(i)}, {b(i)})"] + (["    bn_cache = None"] if nones else []) + [
               "    if self.use_batchnorm:",
               f"        {h}, bn_cache = batchnorm_forward({h}, self.params[{s.key('gamma', i)}], "
               f"self.params[{s.key('beta', i)}], self.bn_params[{i} - 1])"] + (
               [] if nones else ["    else:", "        bn_cache = None"]) + [
               f"    {h}, relu_cache = relu_forward({h})", "    do_cache = None", "    if self.use_dropout:",
               f"        {h}, do_cache = dropout_forward({h}, self.dropout_param)",
               f"    {caches}.append((fc_cache, bn_cache, relu_cache, do_cache))"] + (
               [f"{L} = self.num_layers"] if L != "self.num_layers" else []) + [
               f"scores, out_cache = affine_forward({h}, {W(L)}, {b(L)})"]
    loop = s.pick(f"reversed(range(1, {L}))", f"range({L} - 1, 0, -1)")
    unpack = s.pick([f"    fc_cache, bn_cache, relu_cache, do_cache = {caches}[{i} - 1]"],
                    [f"    fc_cache, bn_cache, relu_cache, do_cache = {caches}.pop()"])
    where = s.pick("after", "inside", "sum")
    backward = ["loss, dscores = softmax_loss(scores, y)",
                f"{dh}, grads[{s.key('W', L)}], grads[{s.key('b', L)}] = affine_backward(dscores, out_cache)",
                f"for {i} in {loop}:"] + unpack + ["    if self.use_dropout:",
                f"        {dh} = dropout_backward({dh}, do_cache)", f"    {dh} = relu_backward({dh}, relu_cache)",
                "    if self.use_batchnorm:",
                f"        {dh}, grads[{s.key('gamma', i)}], grads[{s.key('beta', i)}] = batchnorm_backward({dh}, bn_cache)",
                f"    {dh}, grads[{s.key('W', i)}], grads[{s.key('b', i)}] = affine_backward({dh}, fc_cache)"]
    if where == "after":
        backward += [f"for {i} in range(1, {L} + 1):", f"    Wi = {W(i)}",
                     f"    loss += 0.5 * self.reg * {s.sum(s.sq('Wi'), 'None')}", f"    grads[{s.key('W', i)}] += self.reg * Wi"]
    elif where == "inside":
        backward += [f"    grads[{s.key('W', i)}] += self.reg * {W(i)}",
                     f"    loss += 0.5 * self.reg * np.sum({s.sq(W(i))})",
                     f"grads[{s.key('W', L)}] += self.reg * {W(L)}", f"loss += 0.5 * self.reg * np.sum({s.sq(W(L))})"]
    else:
        backward += [f"loss += 0.5 * self.reg * sum(np.sum({s.sq(W('j'))}) for j in range(1, {L} + 1))",
                     f"for j in range(1, {L} + 1):", f"    grads[{s.key('W', 'j')}] = grads[{s.key('W', 'j')}] + self.reg * {W('j')}"]
    return _join(forward), _join(backward)


def loss_family_b(s):
    """A dict of caches (keyed by (kind, layer), by name, or per layer); the L2 term in one expression or a loop."""
    key = s.pick(lambda kind, v: f"cache['{s.k(kind)}', {v}]", lambda kind, v: f"cache[{s.key(s.k(kind), v)}]",
                 lambda kind, v: f"cache[{v}]['{s.k(kind)}']")
    nested = key("x", 1).startswith("cache[1]")
    fwd = ["cache = {}", "out = X", "for l in range(1, self.num_layers):"] + (["    cache[l] = {}"] if nested else []) + [
           f"    out, {key('affine', 'l')} = affine_forward(out, self.params[{s.key('W', 'l')}], self.params[{s.key('b', 'l')}])",
           "    if self.use_batchnorm:",
           f"        out, {key('bn', 'l')} = batchnorm_forward(out, self.params[{s.key('gamma', 'l')}], "
           f"self.params[{s.key('beta', 'l')}], self.bn_params[l - 1])",
           f"    out, {key('relu', 'l')} = relu_forward(out)", "    if self.use_dropout:",
           f"        out, {key('drop', 'l')} = dropout_forward(out, self.dropout_param)"] + (
           ["cache[self.num_layers] = {}"] if nested else []) + [
           f"scores, {key('affine', 'self.num_layers')} = affine_forward(out, "
           f"self.params[{s.key('W', 'self.num_layers')}], self.params[{s.key('b', 'self.num_layers')}])"]
    l2 = s.sum(s.sq(f"self.params[{s.key('W', 'k')}]"), "None")
    reg = s.pick([f"loss += 0.5 * self.reg * sum({l2} for k in range(1, self.num_layers + 1))"],
                 ["for k in range(1, self.num_layers + 1):", f"    loss += 0.5 * self.reg * {l2}"])
    back = ["loss, d = softmax_loss(scores, y)"] + reg + [
            "for l in range(self.num_layers, 0, -1):",
            "    if l < self.num_layers:",
            "        if self.use_dropout:", f"            d = dropout_backward(d, {key('drop', 'l')})",
            f"        d = relu_backward(d, {key('relu', 'l')})", "        if self.use_batchnorm:",
            f"            d, grads[{s.key('gamma', 'l')}], grads[{s.key('beta', 'l')}] = batchnorm_backward(d, {key('bn', 'l')})",
            f"    d, dW, grads[{s.key('b', 'l')}] = affine_backward(d, {key('affine', 'l')})",
            f"    grads[{s.key('W', 'l')}] = dW + self.reg * self.params[{s.key('W', 'l')}]"]
    return _join(fwd), _join(back)


HELPERS = '''

def affine_batchnorm_relu_forward(x, w, b, gamma, beta, bn_param):
    """affine - batchnorm - relu, one helper layer."""
    a, fc_cache = affine_forward(x, w, b)
    a_bn, bn_cache = batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(a_bn)
    return out, (fc_cache, bn_cache, relu_cache)


def affine_batchnorm_relu_backward(dout, cache):
    """Backward pass of affine_batchnorm_relu_forward."""
    fc_cache, bn_cache, relu_cache = cache
    da_bn = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = batchnorm_backward(da_bn, bn_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta
'''
HELPER_IMPORTS = {
    "layer_utils": "from .layers import batchnorm_backward, batchnorm_forward\n",
    "fc_net": "from .layer_utils import affine_batchnorm_relu_backward, affine_batchnorm_relu_forward\n",
}


def loss_family_c(s):
    """Helper layers (added to layer_utils.py, outside every region) and a list of caches per layer."""
    p = (lambda k, v: f"self.params[{s.key(k, v)}]")
    bn_first = s.pick(True, False)
    with_bn = [f"h, c = affine_batchnorm_relu_forward(h, {p('W', 'i')}, {p('b', 'i')}, {p('gamma', 'i')}, "
               f"{p('beta', 'i')}, self.bn_params[i - 1])"]
    without = [f"h, c = affine_relu_forward(h, {p('W', 'i')}, {p('b', 'i')})"]
    first, second, test = (with_bn, without, "self.use_batchnorm") if bn_first else (without, with_bn, "not self.use_batchnorm")
    store = s.pick(("    layer_caches.append((c, d_c))", "    c, d_c = layer_caches[i - 1]"),
                   (f"    layer_caches.append({{'{s.k('layer')}': c, '{s.k('drop')}': d_c}})",
                    f"    c, d_c = layer_caches[i - 1]['{s.k('layer')}'], layer_caches[i - 1]['{s.k('drop')}']"))
    fwd = ["layer_caches = []", "h = X", "for i in range(1, self.num_layers):", f"    if {test}:",
           *("        " + row for row in first), "    else:", *("        " + row for row in second),
           "    d_c = None", "    if self.use_dropout:", "        h, d_c = dropout_forward(h, self.dropout_param)",
           store[0], f"scores, last_cache = affine_forward(h, {p('W', 'self.num_layers')}, {p('b', 'self.num_layers')})"]
    reg_inside = s.pick(True, False)
    back = ["loss, dscores = softmax_loss(scores, y)", "L = self.num_layers",
            f"dh, dW, grads[{s.key('b', 'L')}] = affine_backward(dscores, last_cache)",
            f"grads[{s.key('W', 'L')}] = dW + self.reg * {p('W', 'L')}" if reg_inside else f"grads[{s.key('W', 'L')}] = dW",
            "for i in range(L - 1, 0, -1):", store[1], "    if self.use_dropout:",
            "        dh = dropout_backward(dh, d_c)", "    if self.use_batchnorm:",
            f"        dh, dW, db, grads[{s.key('gamma', 'i')}], grads[{s.key('beta', 'i')}] = "
            "affine_batchnorm_relu_backward(dh, c)",
            "    else:", "        dh, dW, db = affine_relu_backward(dh, c)",
            f"    grads[{s.key('W', 'i')}] = dW + self.reg * {p('W', 'i')}" if reg_inside else f"    grads[{s.key('W', 'i')}] = dW",
            f"    grads[{s.key('b', 'i')}] = db"]
    if reg_inside:
        back += [f"    loss += 0.5 * self.reg * np.sum({s.sq(p('W', 'i'))})",
                 f"loss += 0.5 * self.reg * np.sum({s.sq(p('W', 'L'))})"]
    else:
        back += ["for j in range(1, L + 1):", f"    loss += 0.5 * self.reg * {s.sum(s.sq(p('W', 'j')), 'None')}",
                 f"    grads[{s.key('W', 'j')}] += self.reg * {p('W', 'j')}"]
    return _join(fwd), _join(back)


# (qualname, module) -> choices; a choice gives one body per region of the function, in order.
SINGLE = {
    ("sgd_momentum", "optim"): [momentum_a, momentum_b, momentum_c],
    ("sgd_nesterov_momentum", "optim"): [nesterov_a, nesterov_b, nesterov_c],
    ("rmsprop", "optim"): [rmsprop_a, rmsprop_b, rmsprop_c],
    ("adam", "optim"): [adam_a, adam_b, adam_c],
    ("affine_forward", "layers"): [affine_forward_a, affine_forward_b, affine_forward_c],
    ("affine_backward", "layers"): [affine_backward_a, affine_backward_b, affine_backward_c],
    ("relu_forward", "layers"): [relu_forward_a, relu_forward_b, relu_forward_c, relu_forward_d],
    ("relu_backward", "layers"): [relu_backward_a, relu_backward_b, relu_backward_c],
    ("FullyConnectedNet.__init__", "fc_net"): [init_a, init_b, init_c],
}


def draw_bodies(rng, style):
    """{(module, qualname): [body per region]} for one independent student, and whether helpers are used."""
    bodies = {(m, q): [rng.choice(options)(style)] for (q, m), options in SINGLE.items()}
    bn_train, bn_backward = rng.choice([bn_family_a, bn_family_b, bn_family_c])(style)
    bodies[("layers", "batchnorm_forward")] = [bn_train, rng.choice([bn_test_a, bn_test_b, bn_test_c])(style)]
    bodies[("layers", "batchnorm_backward")] = [bn_backward]
    bodies[("layers", "dropout_forward")] = [rng.choice([dropout_train_a, dropout_train_b, dropout_train_c])(style),
                                             rng.choice(DROPOUT_TEST)]
    bodies[("layers", "dropout_backward")] = [rng.choice(DROPOUT_BACKWARD_TRAIN), rng.choice(DROPOUT_BACKWARD_TEST)]
    ar_forward, ar_backward = rng.choice([affine_relu_family_a, affine_relu_family_b])(style)
    bodies[("layer_utils", "affine_relu_forward")] = [ar_forward]
    bodies[("layer_utils", "affine_relu_backward")] = [ar_backward]
    family = rng.choice([loss_family_a, loss_family_b, loss_family_c])
    bodies[("fc_net", "FullyConnectedNet.loss")] = list(family(style))
    return bodies, family is loss_family_c
