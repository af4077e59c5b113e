"""The reference earns every check through the real sandbox (bubblewrap where it works)."""

import time

from nndl_hw4.grading.engine import observe
from nndl_hw4.grading.judging import judge
from nndl_hw4.grading.workspace import create_workspace, remove_workspace
from nndl_hw4.sandbox.backends import select
from nndl_hw4.sandbox.limits import Limits

from .conftest import REPO


def test_the_reference_passes_every_check_in_the_sandbox(checks, runtime, capsys):
    backend, _ = select("auto")
    workspace = create_workspace(REPO / "solutions" / "nndl")
    try:
        started = time.perf_counter()
        observations, stats = observe(backend, workspace, checks, Limits(), runtime)
        seconds = time.perf_counter() - started
    finally:
        remove_workspace(workspace)
    failed = {c.id: judge(c, observations[c.id], runtime).message for c in checks
              if not judge(c, observations[c.id], runtime).passed}
    assert not failed
    assert stats.children == 1
    with capsys.disabled():
        print(f"\n[{backend.name}] all {len(checks)} checks on the reference: {seconds:.2f} s")
