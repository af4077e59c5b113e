"""Diagnosis: naming the classic mistake behind a failed check.

When a check fails, the grader compares the student's raw outputs with what
each known mistake (``mutants.CATALOGUE``, ``legit=False``) produces on the
same inputs, computed in the grader's process and cached (variants.py):

1. fingerprint (fingerprint.py): the student's outputs equal the mistake's
   to a tight tolerance, and the mistake is far from the reference there;
2. signature (signatures.py): where outputs depend on the student's own
   random draws (dropout), the mistake's rule holds in the raw outputs
   (p as the keep probability drops 1 - p of the units and keeps x / p);
   the network's loss and gradients are replayed through the mistake's
   network with the student's own masks; an initialisation mistake is
   undone by its repair.

3. error: the probe raised the same exception (type, message, function) as
   the mistake does on these inputs, where the reference does not raise.

A mistake is named only when exactly one matches: mistakes the check cannot
tell apart are never guessed between (a few known TWINS get one sentence
true of both). Diagnosis never raises:
a grader problem here costs a name, never a grade.
"""

from dataclasses import dataclass

from . import fingerprint, signatures, variants

ENABLED = True      # benchmarks switch it off to measure what diagnosis costs
errors = []         # what went wrong inside diagnosis in this process (a grader bug: tests assert none)


# Mistakes that no check's outputs tell apart: one sentence true of both.
TWINS = {
    frozenset({"dropout-backward-ignores-mask", "fc-dropout-no-backward"}):
        "the network's gradients ignore its dropout masks: either dropout_backward passes dout through "
        "unchanged or the network never calls dropout_backward. Fix: in the backward pass, multiply by the "
        "forward mask (dropout_backward(dh, do_cache) with each layer's dropout cache).",
    frozenset({"dropout-mask-at-test", "fc-dropout-always-train"}):
        "the network still drops units at test time: either dropout_forward applies a mask in test mode or "
        "the network never sets dropout_param['mode'] = 'test'. Fix: set the mode from y, and return x "
        "unchanged in test mode.",
}


@dataclass(frozen=True)
class Diagnosis:
    mistakes: tuple         # the Mutation named, or both TWINS
    how: str                # "fingerprint", "signature", "replay", "error" or "twins"
    wording: str = ""

    @property
    def text(self):
        return self.wording or describe(self.mistakes[0])

    @property
    def ids(self):
        return tuple(m.id for m in self.mistakes)


def describe(mistake):
    """What a student reads: the mistake, then how to fix it."""
    hint = mistake.hint.rstrip(".")
    return f"{mistake.mistake}. Fix: {hint}." if hint else f"{mistake.mistake}."


def matching(check, outputs, error=None):
    """{mistake id: (Mutation, how)} of every known mistake that the outputs (or the error the
    probe raised) match on this check."""
    from ..grading import reference
    inputs = reference.inputs(check)
    expected = reference.expected(check)
    found = {}
    candidates = variants.candidates(check)
    ref_outputs = variants.reference_outputs(check)
    replay_reference = None
    for candidate in candidates:
        mistake = candidate.mistake
        if mistake.id in found:
            continue
        if error is not None or candidate.error is not None:
            if fingerprint.same_error(error, candidate.error):
                found[mistake.id] = (mistake, "error")
            continue
        if candidate.outputs is not None and \
                fingerprint.same(check, outputs, candidate.outputs, ref_outputs, inputs) == (True, True):
            if check.probe not in variants.TRAINED or variants.stable(check, candidate.applied):
                found[mistake.id] = (mistake, "fingerprint")
        elif signatures.matches(check, candidate, inputs, outputs, expected):
            found[mistake.id] = (mistake, "signature")
        elif check.probe == "fc_net.dropout_loss":
            if replay_reference is None:
                replay_reference = signatures.reference_replay(inputs, outputs) or {}
            if replay_reference and signatures.replayed(candidate, inputs, outputs, replay_reference):
                found[mistake.id] = (mistake, "replay")
    return found


def diagnose(check, outputs=None, error=None):
    """The Diagnosis of a failed check's outputs (or of the error its probe raised), or None:
    no match, an ambiguous one (see TWINS), or any trouble."""
    if not ENABLED or (outputs is None and error is None):
        return None
    try:
        found = matching(check, outputs, error)
    except Exception as exc:     # never let a grader bug here cost a grade
        if len(errors) < 100:
            errors.append(f"{check.id}: {type(exc).__name__}: {exc}")
        return None
    if len(found) == 1:
        mistake, how = next(iter(found.values()))
        return Diagnosis((mistake,), how)
    twins = TWINS.get(frozenset(found))
    if twins:
        return Diagnosis(tuple(m for m, _ in found.values()), "twins", twins)
    return None
