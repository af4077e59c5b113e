"""Diagnosis: naming the classic mistake behind a failed check.

When a check fails, the grader compares the student's raw outputs with what
each known mistake (the course's ``mutants.catalogue``, ``legit=False``)
produces on the same inputs, computed by the run's reference runtime and
cached there (variants.py):

1. fingerprint (fingerprint.py): the student's outputs equal the mistake's
   to a tight tolerance, and the mistake is far from the reference there;
2. signature (signatures.py): where outputs depend on the student's own
   random draws (dropout), the mistake's rule holds in the raw outputs
   (p read with the other convention drops a fraction k of the units, k
   being the course's keep probability, and keeps x / (1 - k));
   the network's loss and gradients are replayed through the mistake's
   network with the student's own masks; an initialisation mistake is
   undone by its repair.

3. error: the probe raised the same exception (type, message, function) as
   the mistake does on these inputs, where the reference does not raise.

A mistake is named only when exactly one matches: mistakes the check cannot
tell apart are never guessed between. Network checks run with trusted layers
(one mistake, one penalty), so a layer's mistake never shows there; with
cascading switched on in the rubric it can, and a few known TWINS (a layer's
mistake and the network's misuse of a correct layer) get one sentence true of
both, which settle() then replaces by one name when the layer's own checks
prove it, once every check of the submission is judged. Diagnosis never
raises: a grader problem here costs a name, never a grade (and is kept in
the runtime's ``errors``).
"""

from dataclasses import dataclass, replace

from . import fingerprint, signatures, variants


@dataclass(frozen=True)
class Twins:
    """Two mistakes that a network check's outputs cannot tell apart: a layer's own mistake
    (`unit`) and the network's misuse of a correct layer. The layer's own checks (`witnesses`)
    settle which one it is (settle())."""
    ids: frozenset
    text: str               # one sentence true of both, when nothing settles it
    unit: str               # the layer's mistake
    witnesses: tuple        # checks of the layer alone that catch `unit`


TWINS = (
    Twins(frozenset({"dropout-backward-ignores-mask", "fc-dropout-no-backward"}),
          "the network's gradients ignore its dropout masks: either dropout_backward passes dout through "
          "unchanged or the network never calls dropout_backward. Fix: in the backward pass, multiply by the "
          "forward mask (dropout_backward(dh, do_cache) with each layer's dropout cache).",
          "dropout-backward-ignores-mask", ("dropout_backward/mask", "dropout_backward/public")),
    Twins(frozenset({"dropout-mask-at-test", "fc-dropout-always-train"}),
          "the network still drops units at test time: either dropout_forward applies a mask in test mode or "
          "the network never sets dropout_param['mode'] = 'test'. Fix: set the mode from y, and return x "
          "unchanged in test mode.",
          "dropout-mask-at-test", ("dropout_forward/test_identity", "dropout_forward/public")),
)


def _twins(found):
    return next((t for t in TWINS if t.ids == frozenset(found)), None)


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


def matching(runtime, check, outputs, error=None):
    """{mistake id: (Mutation, how)} of every known mistake that the outputs (or the error the
    probe raised) match on this check."""
    inputs = runtime.inputs(check)
    expected = runtime.expected(check)
    found = {}
    candidates = variants.candidates(runtime, check)
    ref_outputs = variants.reference_outputs(runtime, check)
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
            if check.probe not in variants.TRAINED or variants.stable(runtime, check, candidate.applied):
                found[mistake.id] = (mistake, "fingerprint")
        elif signatures.matches(runtime.course, check, candidate, inputs, outputs, expected):
            found[mistake.id] = (mistake, "signature")
        elif check.probe == "fc_net.dropout_loss":
            if replay_reference is None:
                replay_reference = signatures.reference_replay(runtime, check, inputs, outputs) or {}
            if replay_reference and signatures.replayed(runtime, check, candidate, inputs, outputs,
                                                        replay_reference):
                found[mistake.id] = (mistake, "replay")
    return found


def diagnose(runtime, check, outputs=None, error=None):
    """The Diagnosis of a failed check's outputs (or of the error its probe raised), or None:
    no match, an ambiguous one (see TWINS), or any trouble."""
    if not runtime.diagnose or (outputs is None and error is None):
        return None
    try:
        found = matching(runtime, check, outputs, error)
    except Exception as exc:     # never let a grader bug here cost a grade
        runtime.error(f"{check.id}: {type(exc).__name__}: {exc}")
        return None
    if len(found) == 1:
        mistake, how = next(iter(found.values()))
        return Diagnosis((mistake,), how)
    twins = _twins(found)
    if twins:
        return Diagnosis(tuple(m for m, _ in found.values()), "twins", twins.text)
    return None


def settle(runtime, verdicts):
    """`verdicts` ({check id: Verdict} of one submission) with each twin diagnosis replaced by the
    one mistake that the layer's own checks prove: they all pass, so the network misuses a correct
    layer; one of them names the layer's mistake, so it is that one. Otherwise (a witness failed
    for another reason, or the rubric does not run them) the sentence true of both stays.
    Never raises: on trouble the verdicts come back as they were."""
    try:
        return _settled(runtime, verdicts)
    except Exception as exc:     # never let a grader bug here cost a grade
        runtime.error(f"settle: {type(exc).__name__}: {exc}")
        return verdicts


def _settled(runtime, verdicts):
    settled = dict(verdicts)
    for check_id, verdict in verdicts.items():
        twins = next((t for t in TWINS if verdict.diagnosis == t.text), None)
        witnesses = [verdicts[w] for w in twins.witnesses if w in verdicts] if twins else []
        if not witnesses:
            continue
        unit = runtime.mutation(twins.unit)
        if all(w.passed for w in witnesses):
            mistake = runtime.mutation(next(i for i in twins.ids if i != twins.unit))
        elif any(w.diagnosis == describe(unit) for w in witnesses):
            mistake = unit
        else:
            continue
        settled[check_id] = annotate(verdict, describe(mistake),
                                     f"{mistake.id} (twins, settled by {', '.join(twins.witnesses)})")
    return settled


DETAIL = "diagnosis: "      # where the instructor-only detail says which mistake was named, and how


def annotate(verdict, text, how):
    """The failed verdict naming a mistake: `text` for the student; for instructors, `how` it was
    recognised (replacing what an earlier diagnosis of this verdict said)."""
    detail = (verdict.detail or "").split(f"; {DETAIL}")[0]
    detail = "" if detail.startswith(DETAIL) else detail
    return replace(verdict, diagnosis=text, detail=f"{detail}; {DETAIL}{how}" if detail else f"{DETAIL}{how}")
