"""Grading one submission: stage it, reuse its cached record or observe and judge its checks,
score them by the rubric, and write its reports.

Everything about a graded submission lives in one plain record (the
``grading.json`` of ``DIR/<name>/``); every report is rendered from it, so a
cached submission reports exactly what a fresh one does. The record's
``key`` hashes what determines the grade: the staged files, the rubric's
scoring content, the grader's own files and the limits. A later run with the
same key reuses the record instead of running student code again.
"""

import functools
import hashlib
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .. import __version__, course, diagnosis
from ..accuracy.batch import score_model
from ..accuracy.dataset import load_split
from ..checks.base import Verdict
from ..reports import FEEDBACK_MD, GRADING_JSON, RESULTS_JSON, load_record, write_submission_reports
from ..runtime import Runtime
from ..sandbox.backends import describe as describe_sandbox
from ..scoring import QuestionScore, score_question, totals
from ..similarity.digest import failed_outputs_digest
from .engine import Observation, Trusted, observe
from .judging import judge, passes
from .submission import MODEL_FILE, SubmissionError, stage
from .workspace import create_workspace, remove_workspace

RECORD_SCHEMA = 1
OK, PARTIAL, FAILED = "ok", "partial errors", "failed to grade"

# Observations that are not the student's code answering: a reason to flag the submission.
PROBLEMS = {"import-error": "failed to import", "timeout": "timed out", "crashed": "crashed",
            "garbage": "returned unreadable output", "missing": "need a module that is missing"}
NOT_CACHED = {"timeout", "garbage"}
CONSOLE_KEPT = 2000   # characters of a misbehaving child's output kept in grading.json
FAILED_TO_RUN = {"import-error", "timeout", "crashed"}   # a layer module that did this is not imported again


@dataclass(frozen=True)
class Setup:
    """What every submission of a run is graded with."""

    rubric: object
    checks: dict           # {check id: Check} for the rubric's checks, catalogue order
    backend: object
    limits: object
    out_dir: Path
    force: bool = False
    cifar10_dir: Path | None = None   # the final part's data (None: $CIFAR10_DIR, then the working directory)
    datasets: dict = field(default_factory=dict)   # {split: accuracy.Split} prepared before the batch
    runtime: Runtime = field(default_factory=Runtime)   # the course's reference: expected outputs, diagnosis

    @property
    def course(self):
        return self.runtime.course


@dataclass
class Outcome:
    submission: object
    _record: dict | None       # the grading record; None once released (see record)
    cached: bool = False
    fault: str | None = None   # set when the GRADER failed (not the submission)
    folder: Path | None = None   # DIR/<name>/, which holds the record as grading.json

    @property
    def record(self):
        """The grading record: in memory, or once released read back from DIR/<name>/grading.json."""
        return self._record if self._record is not None else load_record(self.folder)

    def release(self):
        """Forget the in-memory record (it is on disk): a batch stays flat in memory whatever the class size."""
        if self.folder is not None and (self.folder / GRADING_JSON).is_file():
            self._record = None

    @property
    def status(self):
        return self.record["status"]


def _reporting_only(path):
    """Files that never change a grade: the similarity report (but its digest of outputs, which the
    record holds)."""
    return "similarity" in path.parts and path.name != "digest.py"


@functools.lru_cache(maxsize=None)
def grader_fingerprint():
    """sha256 over the grader's own files (checks, probes, reference, rubric code...)."""
    digest = hashlib.sha256(__version__.encode())
    roots = {resources.files(p) for p in ("nndl_hw4", "nndl_hw4.reference.nndl", "nndl_hw4.reference.utils")}
    files = set()
    for root in roots:
        files |= {p for p in Path(str(root)).rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".json", ".toml", ".npz")
                  and not _reporting_only(p)}
    for path in sorted(files):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(files, setup, data=None):
    """sha256 of what determines a grade; `data` {split: fingerprint} of the images a saved model is scored on."""
    blob = json.dumps({"files": files, "rubric": setup.rubric.fingerprint(), "grader": grader_fingerprint(),
                       "limits": setup.limits.as_dict(), "course": setup.course.as_dict(),
                       **({"data": data} if data else {})}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _model_data(staged, setup):
    """{split: Split} a staged model is scored on (prepared before the batch, else loaded now)."""
    if staged.model is None:
        return {}
    splits = sorted({q.split for q in setup.rubric.questions if q.kind == "accuracy" and q.scored_now})
    return {s: setup.datasets.get(s) or load_split(s, setup.cifar10_dir) for s in splits}


def _base_record(submission, setup):
    return {"schema": RECORD_SCHEMA, "name": submission.name, "source": str(submission.path),
            "grader_version": __version__, "rubric": setup.rubric.source, "rubric_total": setup.rubric.total,
            "sandbox": setup.backend.name, "protections": describe_sandbox(setup.backend) if setup.backend else "",
            "course": setup.course.as_dict(), "status": FAILED, "reason": "", "cacheable": False,
            "total": None, "max": None, "pending": None, "files": {}, "missing_modules": [], "model": None,
            "notes": [], "seconds": 0.0, "questions": []}


def _observation_kind(observation):
    if observation.status == "error" and (observation.error or {}).get("type") == "NotImplementedError":
        return "not implemented"
    return observation.status


def _check_record(check, question_id, observation, verdict):
    return {"id": check.id, "question": question_id, "function": check.function, "title": check.title,
            "label": check.label, "public": check.public, "weight": check.weight,
            "passed": verdict.passed, "message": verdict.message, "diagnosis": verdict.diagnosis,
            "detail": verdict.detail, "outcome": _observation_kind(observation),
            # What a failing answer returned, for `nndl-hw4 similar` (shared rare mistakes): a short hash.
            "outputs_digest": failed_outputs_digest(observation, verdict.passed),
            "error": observation.error, "note": observation.note, "seconds": round(observation.seconds, 4),
            # What the child printed, for the instructor, when it did not answer normally.
            "console": observation.console[-CONSOLE_KEPT:] if observation.status in PROBLEMS else ""}


def _reason(check_records, missing):
    parts = [f"nndl/{m}.py missing" for m in missing]
    for kind, what in PROBLEMS.items():
        if kind == "missing":
            continue
        hit = [c for c in check_records if c["outcome"] == kind]
        if kind == "import-error":
            errors = {}
            for c in hit:
                error = c["error"] or {}
                errors.setdefault(f"{error.get('type')}: {error.get('message')}", []).append(c)
            parts += [f"import failed with {e} ({len(cs)} check(s))" for e, cs in errors.items()]
        elif hit:
            parts.append(f"{len(hit)} check(s) {what}: {', '.join(c['id'] for c in hit[:3])}"
                         + (", ..." if len(hit) > 3 else ""))
    return "; ".join(parts)


def _blocking(setup, check, missing):
    """The modules a check needs that the submission lacks (trusted layers stand in for missing ones)."""
    needed = missing & course.needs(check.modules)
    if setup.runtime.trusted_layers(check):
        needed -= {f"{course.PACKAGE}.{m}" for m in course.LAYER_MODULES}
    return needed


def _observe(setup, staged, runnable, record):
    """Observations of the runnable checks.

    One child runs them all on the student's own code. When a check of the layers or of the network
    then fails (and the rubric does not cascade), the network checks run again in a second child
    with trusted layers in place of the student's (child.trusted), and those observations count: a
    network question judges the network alone. No child that runs a layer check ever holds the
    trusted layers, and a correct submission pays for one child.
    """
    runtime = setup.runtime
    workspace = create_workspace(staged.nndl)
    try:
        observations, stats = observe(setup.backend, workspace, runnable, setup.limits, runtime)
        record["notes"] += stats.notes
        network = [c for c in runnable if runtime.trusted_layers(c)]
        layers = [c for c in runnable if not runtime.trusted_layers(c) and _runs_layers(c)]
        if network and not all(passes(c, observations[c.id], runtime) for c in network + layers):
            failed = {o.module for o in observations.values() if o.status in FAILED_TO_RUN}
            trusted = Trusted({m: runtime.sources()[m] for m in course.LAYER_MODULES}, course.PACKAGE,
                              tuple(m for m in course.LAYER_MODULES if f"{course.PACKAGE}.{m}" in failed))
            found, stats = observe(setup.backend, workspace, network, setup.limits, runtime, trusted)
            observations.update(found)
            record["notes"] += stats.notes
    finally:
        remove_workspace(workspace)
    return observations


def _runs_layers(check):
    """Whether a check runs code of the student's layer modules."""
    return bool({m.split(".")[-1] for m in check.modules} & set(course.LAYER_MODULES))


def _layer_failures(setup, judged):
    """The student's layer functions that failed their own checks (what the network questions did not charge)."""
    return list(dict.fromkeys(
        setup.checks[cid].function for cid, verdict in judged.items()
        if not verdict.passed and not setup.runtime.trusted_layers(setup.checks[cid]) and _runs_layers(setup.checks[cid])))


def network_note(question_checks, setup, layer_failures):
    """What a network question's feedback says about trusted layers, or ''."""
    if not layer_failures or not question_checks or not all(setup.runtime.trusted_layers(c) for c in question_checks):
        return ""
    names = ", ".join(f"`{f}`" for f in layer_failures)
    which = "its own checks and is" if len(layer_failures) == 1 else "their own checks and are"
    return (f"These checks ran your FullyConnectedNet with the course's own layers: {names} failed "
            f"{which} charged there, not here.")


def _judge_all(setup, staged, record, data):
    """Observe and judge every rubric check; fills record['questions'] and the totals."""
    checks = setup.checks
    missing = {f"{course.PACKAGE}.{m}" for m in staged.missing}
    runnable = [c for c in checks.values() if not _blocking(setup, c, missing)]
    observations = _observe(setup, staged, runnable, record) if runnable else {}
    for check in checks.values():
        if check.id not in observations:
            absent = sorted(m.split(".")[1] for m in _blocking(setup, check, missing))
            observations[check.id] = Observation(status="missing", note=", ".join(absent))

    judged = {}
    for check_id in dict.fromkeys(c for q in setup.rubric.questions for c in q.checks):
        check, observation = checks[check_id], observations[check_id]
        judged[check_id] = (_missing_verdict(check, observation.note) if observation.status == "missing"
                            else judge(check, observation, setup.runtime))
    judged = diagnosis.settle(setup.runtime, judged)
    layer_failures = _layer_failures(setup, judged)

    check_records = []
    for question in setup.rubric.questions:
        records, verdicts = [], {}
        for check_id in question.checks:
            check, verdict = checks[check_id], judged[check_id]
            records.append(_check_record(check, question.id, observations[check_id], verdict))
            verdicts[check_id] = (verdict.passed, check.weight)
        scored_model = question.kind == "accuracy" and question.scored_now
        model_score = (score_model(staged.model, question.split, data, staged.oversized_model)
                       if scored_model else None)
        score = score_question(question, verdicts, model_score)
        note = network_note([checks[c] for c in question.checks], setup, layer_failures)
        record["questions"].append({
            "id": question.id, "title": question.title, "part": question.part, "kind": question.kind,
            "credit": question.credit, "visibility": question.visibility,
            "points": score.points, "max_points": score.max_points, "status": score.status,
            "passed": score.passed, "total_checks": score.total_checks, "checks": records,
            **({"note": note} if note else {}),
            **({"accuracy": model_score.as_record()} if model_score else {})})
        check_records += records
    return check_records


def _missing_verdict(check, modules):
    files = " and ".join(f"nndl/{m}.py" for m in modules.split(", "))
    return Verdict.fail(f"{check.function}: {files} is missing from your submission")


def _score_totals(record):
    scores = [QuestionScore(q["points"], q["max_points"], q["status"]) for q in record["questions"]]
    record["total"], record["max"], record["pending"] = totals(scores)


def grade_submission(submission, setup):
    """Outcome of grading `submission` (never raises for a bad submission)."""
    started = time.perf_counter()
    record = _base_record(submission, setup)
    folder = setup.out_dir / submission.name
    stage_dir = Path(tempfile.mkdtemp(prefix="nndl-hw4-stage-"))
    fault = None
    try:
        staged = stage(submission, stage_dir / "copy")
        record["files"], record["missing_modules"] = staged.files, list(staged.missing)
        record["model"] = MODEL_FILE if staged.model or staged.oversized_model else None
        record["notes"] += staged.notes
        data = _model_data(staged, setup)
        record["key"] = cache_key(staged.files, setup, {s: d.fingerprint for s, d in data.items()})
        if not setup.force:
            previous = load_record(folder)
            if (previous and previous.get("key") == record["key"] and previous.get("cacheable")
                    and (folder / RESULTS_JSON).is_file() and (folder / FEEDBACK_MD).is_file()):
                return Outcome(submission, previous, cached=True, folder=folder)
        check_records = _judge_all(setup, staged, record, data)
        _score_totals(record)
        reason = _reason(check_records, staged.missing)
        record["status"], record["reason"] = (PARTIAL if reason else OK), reason
        record["cacheable"] = not any(c["outcome"] in NOT_CACHED for c in check_records)
    except SubmissionError as error:
        record["reason"] = error.message
    except Exception as error:  # a grader fault: report it, keep grading the others
        fault = f"{type(error).__name__}: {error}"
        record["reason"] = f"internal grader error ({fault})"
    finally:
        shutil.rmtree(stage_dir, ignore_errors=True)
    record["seconds"] = round(time.perf_counter() - started, 3)
    write_submission_reports(record, folder)
    return Outcome(submission, record, cached=False, fault=fault, folder=folder)
