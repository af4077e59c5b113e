"""Output fingerprints: does a student's output equal a known mistake's, tightly, on the same inputs?

``same(check, student, mistake, reference, inputs) -> (match, evidence)`` walks
the mistake's output tree:

- match: every leaf of the mistake's outputs has its twin in the student's
  (extra student keys are ignored): arrays of the same shape, NaN/inf in the
  same places, finite values within MATCH_RTOL (float64) or F32_MATCH_RTOL
  when either side is float32; other numbers likewise; ints, strings and
  None equal;
- evidence: somewhere the mistake's output differs from the reference's by
  more than EVIDENCE_FACTOR times that tolerance on finite numbers, or by its
  shape, dtype, an integer (t, a count) or a value missing where the
  reference has one (a key the mistake never writes must be missing for the
  student too). A match without evidence says
  nothing (the mistake looks like the reference there), and NaN agreeing
  with NaN is never evidence.

Features: an update rule's next_w is compared as the step taken (next_w minus
the previous w), so the tolerance applies to what the rule computes and is
not diluted by the size of w; of its config only the state (velocity, a, v,
t) is compared. bn_param's key list is ignored (students may store eps).
"""

import numpy as np

from ..checks.optim import RULES
from ..numerics import rel_error

MATCH_RTOL = 1e-7        # float64: the same computation in another order differs by ~1e-15
F32_MATCH_RTOL = 1e-5    # float32 carries ~7 digits and a few roundings per step
EVIDENCE_FACTOR = 10     # a mistake must be 10x farther from the reference than the match tolerance


def features(probe, outputs, inputs):
    """The parts of a probe's outputs a fingerprint compares (see the module docstring)."""
    if probe == "optim.steps" and isinstance(outputs, dict) and isinstance(inputs, dict):
        steps, previous = [], inputs.get("w")
        for next_w in outputs.get("next_w") or []:
            if isinstance(next_w, np.ndarray) and isinstance(previous, np.ndarray) \
                    and next_w.shape == previous.shape and next_w.dtype.kind == "f":
                step = next_w.astype(np.float64) - previous.astype(np.float64)
                steps.append(step.astype(next_w.dtype))   # float32 keeps its looser tolerance
            else:
                steps.append(next_w)
            previous = next_w
        keys = RULES.get(inputs.get("rule"), (None, ()))[1]
        configs = [{k: c[k] for k in keys if k in c} if isinstance(c, dict) else c
                   for c in outputs.get("config") or []]
        return {"step": steps, "config": configs}
    if probe == "batchnorm.forward_steps" and isinstance(outputs, dict):
        return {k: v for k, v in outputs.items() if k != "keys"}
    return outputs


def _tolerance(*arrays):
    return F32_MATCH_RTOL if any(a.dtype == np.float32 for a in arrays) else MATCH_RTOL


def _array(s, m, r):
    if not isinstance(s, np.ndarray) or s.shape != m.shape:
        return False, False
    comparable = isinstance(r, np.ndarray)
    evidence = comparable and (r.shape != m.shape or r.dtype != m.dtype)
    if comparable and r.dtype != m.dtype and s.dtype != m.dtype:
        return False, False          # the mistake's dtype is its fingerprint: the student must share it
    if m.dtype.kind not in "fciub" or s.dtype.kind not in "fciub":
        same = m.dtype == s.dtype and np.array_equal(s, m)
        return same, evidence and same
    s64, m64 = s.astype(np.complex128 if s.dtype.kind == "c" else np.float64), \
        m.astype(np.complex128 if m.dtype.kind == "c" else np.float64)
    if not np.array_equal(np.isfinite(s64), np.isfinite(m64)) or not np.array_equal(np.isnan(s64), np.isnan(m64)):
        return False, False
    finite = np.isfinite(m64)
    tol = _tolerance(s, m)
    if finite.any() and rel_error(s64[finite], m64[finite]) > tol:
        return False, False
    if comparable and not evidence and r.shape == m.shape:
        r64 = r.astype(m64.dtype)
        both = finite & np.isfinite(r64)
        evidence = bool(both.any()) and rel_error(m64[both], r64[both]) > EVIDENCE_FACTOR * tol
    return True, bool(evidence)


def _number(value):
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return None


def compare(s, m, r):
    """(match, evidence) of a student's tree s against a mistake's tree m; r is the reference's (or None)."""
    if isinstance(m, np.ndarray) and m.shape != ():
        return _array(s, m, r)
    if m is None:
        return s is None, s is None and r is not None
    if isinstance(m, dict):
        if not isinstance(s, dict):
            return False, False
        if isinstance(r, dict) and any(key in s for key in r if key not in m):
            return False, False      # the mistake lacks a key the reference writes: so must the student
        evidence = isinstance(r, dict) and any(key not in m for key in r)
        for key, value in m.items():
            if key not in s:
                return False, False
            ok, ev = compare(s[key], value, r.get(key) if isinstance(r, dict) else None)
            if not ok:
                return False, False
            evidence |= ev
        return True, evidence
    if isinstance(m, (list, tuple)):
        if not isinstance(s, (list, tuple)) or len(s) != len(m):
            return False, False
        rs = r if isinstance(r, (list, tuple)) and len(r) == len(m) else [None] * len(m)
        evidence = False
        for a, b, c in zip(s, m, rs):
            ok, ev = compare(a, b, c)
            if not ok:
                return False, False
            evidence |= ev
        return True, evidence
    mn, sn, rn = _number(m), _number(s), _number(r)
    if isinstance(mn, int) and not isinstance(m, (float, np.floating)):
        same = isinstance(sn, int) and sn == mn and not isinstance(s, (float, np.floating))
        return same, same and isinstance(rn, int) and rn != mn
    if isinstance(mn, float):
        if sn is None:
            return False, False
        if not np.isfinite(mn) or not np.isfinite(sn):
            return (np.isnan(mn) and np.isnan(sn)) or mn == sn, False
        if rel_error(np.float64(sn), np.float64(mn)) > MATCH_RTOL:
            return False, False
        evidence = rn is not None and np.isfinite(rn) and \
            rel_error(np.float64(mn), np.float64(rn)) > EVIDENCE_FACTOR * MATCH_RTOL
        return True, bool(evidence)
    return (type(s) is type(m) and s == m), False


def same(check, student, mistake, reference, inputs):
    """(match, evidence) of the student's outputs against a mistake's on one check (module docstring)."""
    f = lambda outputs: features(check.probe, outputs, inputs)  # noqa: E731
    return compare(f(student), f(mistake), f(reference) if reference is not None else None)


def same_error(student, mistake):
    """Whether two probe errors are the same: type, message and the function it was raised in."""
    if not student or not mistake:
        return False
    if (student.get("type"), student.get("message")) != (mistake.get("type"), mistake.get("message")):
        return False
    where = [e.get("where") for e in (student, mistake)]
    # "nndl/layers.py:57 in affine_forward": the file and function count, not the line.
    strip = lambda w: (w.split(":")[0], w.rsplit(" in ", 1)[-1]) if w else None  # noqa: E731
    return where[0] is None or strip(where[0]) == strip(where[1])
