"""The reference earns every check; the generated stubs earn none, each saying "not implemented yet"."""

from nndl_hw4 import mutants

from .conftest import STUBS, run


def test_the_reference_passes_every_check(verdicts_of):
    failed = {cid: verdict.message for cid, (_, verdict) in verdicts_of(None).items() if not verdict.passed}
    assert not failed


def test_the_stubs_fail_every_check_with_not_implemented_yet(checks, runtime):
    texts = {name: (STUBS / f"{name}.py").read_text() for name in mutants.MODULES}
    verdicts = run(texts, checks, runtime)
    wrong = {cid: verdict.message for cid, (_, verdict) in verdicts.items()
             if verdict.passed or not verdict.message.endswith("not implemented yet")}
    assert not wrong
