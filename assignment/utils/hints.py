"""The notebooks' checks: what is off, by how much, and the likely mistake.

Every check cell of the notebooks ends with one of the calls below. It raises
AssertionError when an output is off, saying which one and by how much; when
your outputs on the cell's inputs are those of a classic mistake, the message
also names the mistake and its fix, in the words of the grader's feedback:

    next_w differs from the expected values (max relative error 2.1e-01).
    Likely mistake: Adam without bias correction. Fix: divide v by ...

The mistakes' outputs come from hints.json next to this file, computed by the
course's build on the notebooks' own inputs (nothing you could not compute
yourself). Without that file the checks judge the same, without naming.

Outputs of random draws (dropout) are recognised by rules, not by values: the
fraction of units kept and the scale of the kept ones, or how dx relates to
your own mask. A mask drawn another way never looks like a mistake.
"""

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .numerics import rel_error

DATA = Path(__file__).with_name('hints.json')
SMALL = 4            # arrays of at most this many entries are stored as they are
DIRECTIONS = 2       # larger ones as their norm and this many fixed random projections
DIGITS = 8           # significant digits stored: machines (BLAS) differ in the 16th
# Two runs of one computation differ by ~1e-15 in float64; the known mistakes differ from
# correct code and from each other by more than 1e-5. (float32 outputs differ by ~1e-6 between
# machines: only their shape and dtype are compared.)
MATCH = 1e-7
SIGMAS = 6           # binomial bounds of the dropout rules, as in the dropout check
EXACT = 1e-9         # a kept unit is x / keep: one rounding
STEP = 1e-5                    # the step of the notebooks' centred differences
SMALLER_STEPS = (1e-6, 1e-7)   # steps that no longer cross a kink the check's step crossed


# --------------------------------------------------------------------------- the checks

def check_close(case, tolerance, **outputs):
    """Assert rel_error(yours, expected) < tolerance for each output name=(yours, expected), in order."""
    message = _checks().close(case, tolerance, **outputs)
    if message:
        raise AssertionError(message)


def check_within(case, bn_param=None, **outputs):
    """Assert max |yours - target| < bound for each output name=(yours, target, bound), in order
    (bn_param: its running averages help name a mistake)."""
    message = _checks().within(case, bn_param, **outputs)
    if message:
        raise AssertionError(message)


def check_gradients(case, tolerance, **gradients):
    """Assert rel_error(analytic, numerical) < tolerance for each gradient name=(analytic, numerical)."""
    message = _checks().gradients(case, tolerance, **gradients)
    if message:
        raise AssertionError(message)


def check_network_gradients(case, model, X, y, grads, grads_num, tolerance, absolute=None):
    """Assert rel_error(grads_num[name], grads[name]) < tolerance for every parameter of the model (for
    a name in `absolute`, whose true gradient is 0: max |difference| < absolute[name])."""
    message = _checks().network_gradients(case, model, X, y, grads, grads_num, tolerance, absolute or {})
    if message:
        raise AssertionError(message)


def check_dropout_forward(case, x, out, out_test, keep):
    """Assert that train mode keeps a fraction `keep` of x scaled by 1 / keep, and test mode returns x."""
    message = _checks().dropout_forward(case, x, out, out_test, keep)
    if message:
        raise AssertionError(message)


def check_dropout_backward(case, x, out, dout, dx, dx_num, tolerance):
    """Assert rel_error(dx, dx_num) < tolerance (out: the forward output whose mask dx must use)."""
    message = _checks().dropout_backward(case, x, out, dout, dx, dx_num, tolerance)
    if message:
        raise AssertionError(message)


def _differs(name, yours, expected, tolerance, what):
    yours, expected = np.asarray(yours), np.asarray(expected)
    if yours.shape != expected.shape:
        return '{} has shape {}, expected {}'.format(name, yours.shape, expected.shape)
    if not rel_error(yours, expected) < tolerance:
        return '{} differs from {} (max relative error {:.1e})'.format(name, what, rel_error(yours, expected))
    return None


class Checks:
    """The checks, with the known mistakes of `data` (the contents of hints.json)."""

    def __init__(self, data=None):
        self.cases = (data or {}).get('cases', {})
        self.texts = (data or {}).get('texts', {})

    def close(self, case, tolerance, **outputs):
        problems = (_differs(name, *pair, tolerance, 'the expected values') for name, pair in outputs.items())
        return self.conclude(case, 'values', {name: pair[0] for name, pair in outputs.items()},
                      next((p for p in problems if p), None))

    def within(self, case, bn_param=None, **outputs):
        problem = None
        for name, (yours, target, bound) in outputs.items():
            off = float(np.max(np.abs(np.asarray(yours, dtype=np.float64) - target)))
            if not off < bound:
                problem = '{} is {:.2g} away from {} (allowed: less than {})'.format(name, off, target, bound)
                break
        observed = {name: triple[0] for name, triple in outputs.items()}
        if bn_param is not None:
            observed.update({key: bn_param.get(key) for key in ('running_mean', 'running_var')})
        return self.conclude(case, 'values', observed, problem)

    def gradients(self, case, tolerance, **gradients):
        problems = (_differs(name, *pair, tolerance, 'the numerical gradient') for name, pair in gradients.items())
        observed = {}
        for name, (analytic, numerical) in gradients.items():   # what the backward and the forward compute
            observed[name], observed[name + '_num'] = analytic, numerical
        return self.conclude(case, 'values', observed, next((p for p in problems if p), None))

    def network_gradients(self, case, model, X, y, grads, grads_num, tolerance, absolute):
        problem, failed = None, []
        for name in sorted(grads):
            if name in absolute:
                off = float(np.max(np.abs(np.asarray(grads[name]) - grads_num[name])))
                if not off < absolute[name]:
                    failed.append(name)
                    problem = problem or 'the gradient of {} should be (nearly) 0: it is off by {:.1e}'.format(
                        name, off)
            elif not rel_error(grads_num[name], grads[name]) < tolerance:
                failed.append(name)
                problem = problem or 'the gradient of {} is wrong (relative error {:.1e})'.format(
                    name, rel_error(grads_num[name], grads[name]))
        observed = lambda: network_outputs(model, X, y, grads)  # noqa: E731
        hair = lambda: _by_a_hair(model, X, y, grads, grads_num, tolerance, failed)  # noqa: E731
        return self.conclude(case, 'values', observed, problem, otherwise=hair)

    def dropout_forward(self, case, x, out, out_test, keep):
        out, out_test = np.asarray(out), np.asarray(out_test)
        # The fraction of zeros and the mean of the output are random: the bounds are 6
        # standard deviations (a correct layer fails them about once in 500 million runs).
        sigma_fraction = np.sqrt(keep * (1 - keep) / x.size)
        sigma_mean = x.mean() * np.sqrt((1 - keep) / keep / x.size)
        problem = None
        if out.shape != x.shape or out_test.shape != x.shape:
            problem = 'the outputs should have the shape of x, {}'.format(x.shape)
        elif not abs((out == 0).mean() - (1 - keep)) < SIGMAS * sigma_fraction:
            problem = 'the fraction of zeros should be {:.2f} (a unit is kept with probability {:.2f}), ' \
                      'not {:.3f}'.format(1 - keep, keep, (out == 0).mean())
        elif not abs(out.mean() - x.mean()) < SIGMAS * sigma_mean:
            problem = 'the mean should not change (scale the kept units by 1 / {:.2f}): it is {:.3f}, ' \
                      'not {:.3f}'.format(keep, out.mean(), x.mean())
        elif not np.array_equal(out_test, x):
            problem = 'at test time dropout returns its input unchanged'
        observed = {'train': dropout_stats(x, out), 'test': dropout_stats(x, out_test)}
        return self.conclude(case, 'dropout', observed, problem, size=x.size, keep=keep)

    def dropout_backward(self, case, x, out, dout, dx, dx_num, tolerance):
        problem = _differs('dx', dx, dx_num, tolerance, 'the numerical gradient')
        if problem:
            problem += ' (dx is dout times the mask of the forward pass)'
        observed = {'dx': mask_relation(x, out, dout, dx, EXACT),
                    'dx_num': mask_relation(x, out, dout, dx_num, tolerance)}
        return self.conclude(case, 'relations', observed, problem)

    def conclude(self, case, kind, observed, problem, otherwise=None, **context):
        """The message of a failed check, or None: what is off, then the likely mistake (or what else is
        known). `observed`: what is compared with the mistakes' outputs (or a function computing it)."""
        if problem is None:
            return None
        mistake = self.likely(case, kind, observed, **context)
        if mistake:
            return '{}. Likely mistake: {}'.format(problem, mistake)
        note = otherwise() if otherwise else None
        return '{}. {}'.format(problem, note) if note else problem

    def likely(self, case, kind, observed, size=None, keep=None):
        """The text of the one known mistake whose outputs on this case are yours, else None."""
        try:
            mistakes = self.cases.get(case, {}).get('mistakes', [])
            if not mistakes:
                return None
            observed = observed() if callable(observed) else observed
            if kind == 'values':
                mine = {name: fingerprint(value) for name, value in observed.items()}
                found = [m for m in mistakes if distance(mine, m['outputs']) <= MATCH]
            elif kind == 'dropout':
                found = [m for m in mistakes if all(_same_stats(observed[mode], m['outputs'][mode], size)
                                                    for mode in ('train', 'test'))]
            else:
                found = [m for m in mistakes if m['outputs'] == observed]
        except Exception:     # a hint is a courtesy: never let it hide the check's own message
            return None
        return self.texts.get('+'.join(found[0]['ids'])) if len(found) == 1 else None


def network_outputs(model, X, y, grads):
    """What a network's gradient check compares with the mistakes': the loss, and per parameter (in
    sorted order) the projection of its analytic gradient on a fixed direction and the slope of the
    loss along that direction (what the backward and the forward compute)."""
    loss = lambda: model.loss(X, y)[0]  # noqa: E731
    analytic, slopes = [], []
    for name in sorted(grads):
        param, grad = model.params[name], np.asarray(grads[name])
        direction = _directions(param.size)[0].reshape(param.shape)
        analytic.append(grad.ravel() @ direction.ravel().astype(grad.dtype) if grad.size == param.size
                        else np.nan)
        if param.dtype == np.float64:     # float32 has too few digits for a centred difference
            slopes.append(_centred(loss, param, direction, STEP))
    return {'loss': loss(), 'gradients': np.array(analytic), 'slopes': np.array(slopes)}


@lru_cache(maxsize=1)
def _checks():
    try:
        return Checks(json.loads(DATA.read_text(encoding='utf-8')))
    except (OSError, ValueError):
        return Checks()


# --------------------------------------------------------------------------- fingerprints

@lru_cache(maxsize=64)
def _directions(size):
    return np.random.RandomState(size).randn(DIRECTIONS, size)


def fingerprint(value):
    """['<shape>:<dtype>', summary...] of an array, or None when it holds no numbers ('20x30:f8';
    ' 3 not finite' is added when NaN or inf is there, counted as 0 in the summary).

    The summary is the entries of a small array, else its norm and its
    projections on fixed random directions: two arrays with the same
    fingerprint are the same up to rounding, with overwhelming probability.
    A float32 array has no summary (its last digits are the machine's).
    """
    if value is None:
        return ['none']
    a = np.asarray(value)
    if a.dtype.kind not in 'biuf':
        return None
    v = a.astype(np.float64).ravel()
    bad = ~np.isfinite(v)
    v = np.where(bad, 0.0, v)
    summary = v if v.size <= SMALL else np.concatenate([[np.sqrt(v @ v)], _directions(v.size) @ v])
    size = a.dtype.itemsize if a.dtype.kind == 'f' else ''   # int32 or int64: the platform's choice
    kind = '{}:{}{}'.format('x'.join(str(n) for n in a.shape), a.dtype.kind, size)
    if bad.any():
        kind += ' {} not finite'.format(int(bad.sum()))
    if a.dtype.kind == 'f' and a.dtype.itemsize < 8:
        summary = []
    return [kind] + [float('{:.{}g}'.format(s, DIGITS)) for s in summary]


def distance(mine, theirs):
    """How far two {name: fingerprint} are: the largest relative difference of a summary (inf when a
    name, a shape, a dtype or the count of NaN/inf differs)."""
    if set(mine) != set(theirs):
        return np.inf
    worst = 0.0
    for name, b in theirs.items():
        a = mine[name]
        if a is None or b is None or a[0] != b[0]:
            return np.inf
        sa, sb = np.asarray(a[1:]), np.asarray(b[1:])
        if sa.size:
            scale = max(np.max(np.abs(sa)), np.max(np.abs(sb)), 1e-300)
            worst = max(worst, float(np.max(np.abs(sa - sb)) / scale))
    return worst


# --------------------------------------------------------------------------- rules

def dropout_stats(x, out):
    """[the fraction of units kept, the scale of a kept unit out / x (None unless the same for all)]."""
    x, out = np.asarray(x, dtype=np.float64), np.asarray(out, dtype=np.float64)
    if out.shape != x.shape or not np.all(np.isfinite(out)):
        return None
    kept = out != 0
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = out[kept] / x[kept]
    scale = float(ratio[0]) if ratio.size else None
    if scale is not None and np.max(np.abs(ratio - scale)) > EXACT * abs(scale):
        scale = None
    return [float(kept.mean()), scale]


def _same_stats(mine, theirs, size):
    if mine is None or theirs is None or mine[1] is None or theirs[1] is None:
        return False
    fraction = theirs[0]
    bound = SIGMAS * np.sqrt(fraction * (1 - fraction) / size)
    return abs(mine[0] - fraction) <= bound and abs(mine[1] - theirs[1]) <= EXACT * abs(theirs[1])


def mask_relation(x, out, dout, dx, tolerance):
    """What dx is, in terms of dout and the mask m = out / x of the forward pass: 'dout * m',
    'dout * (m > 0)', 'dout', or None."""
    x, out, dout = (np.asarray(a, dtype=np.float64) for a in (x, out, dout))
    dx = np.asarray(dx)
    with np.errstate(divide='ignore', invalid='ignore'):
        m = out / x
    for name, want in (('dout * m', dout * m), ('dout * (m > 0)', dout * (m > 0)), ('dout', dout)):
        if dx.shape == want.shape and rel_error(dx, want) <= tolerance:
            return name
    return None


def _by_a_hair(model, X, y, grads, grads_num, tolerance, failed, most=30):
    """A note when at most `most` entries are off and the gradient is right at each: the difference is
    the rounding error of the centred difference, or a centred difference of a smaller step agrees (the
    check's step crossed a kink of a ReLU there); else None."""
    loss = lambda: model.loss(X, y)[0]  # noqa: E731
    # Each loss is computed to ~1e-16 relative: a centred difference of step h carries an error of about
    # eps * |loss| / h (here ~1e-11), which is all a tiny gradient entry (~1e-8) may differ by.
    rounding = 10 * np.finfo(np.float64).eps * max(1.0, abs(float(loss()))) / STEP
    off, kinks, largest = 0, 0, 0.0
    for name in failed:
        param, analytic = model.params[name], np.asarray(grads[name])
        difference = np.abs(grads_num[name] - analytic)
        errors = difference / np.maximum(1e-8, np.abs(grads_num[name]) + np.abs(analytic))
        for ix in zip(*np.nonzero(errors >= tolerance)):
            off += 1
            if off > most or param.dtype != np.float64:
                return None
            if difference[ix] <= rounding:
                largest = max(largest, difference[ix])
                continue
            unit = np.zeros_like(param)
            unit[ix] = 1.0
            if not any(rel_error(_centred(loss, param, unit, h), analytic[ix]) < tolerance for h in SMALLER_STEPS):
                return None
            kinks += 1
    if not off:
        return None
    reasons = []
    if kinks:
        reasons.append('it agrees with a centred difference of a smaller step (the step h = 1e-5 crossed a kink '
                       'of a ReLU, an input within h of 0)')
    if kinks < off:
        reasons.append('the difference, at most {:.0e}, is the rounding error of a centred difference with '
                       'step h = 1e-5'.format(largest))
    return 'Only {} entr{} off, and your gradient is right there: {}. This is not a mistake in your code.'.format(
        off, 'y is' if off == 1 else 'ies are', '; or '.join(reasons))


def _centred(f, param, direction, h):
    """(f(param + h d) - f(param - h d)) / 2h, changing param in place and restoring it."""
    old = param.copy()
    param += h * direction
    plus = f()
    param[...] = old - h * direction
    minus = f()
    param[...] = old
    return (plus - minus) / (2 * h)
