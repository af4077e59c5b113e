"""grading.heap: what a batch's grading frees goes back to the OS (glibc), measured in a fresh process.

Each case runs a small program that makes glibc keep freed memory resident,
then reads VmRSS with and without the heap calls: the same program must hold
the memory without them (so each test can fail) and release it with them.
"""

import json
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim and mallopt are glibc's")

PROGRAM = r'''
import json, sys
from nndl_hw4.grading import heap

def rss_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

case, use = sys.argv[1], sys.argv[2] == "1"
if case == "trim":
    # 400 blocks of 100 KiB (under the mmap threshold: from the heap), all freed but the last,
    # which pins the top of the heap so that free() alone cannot shrink it.
    blocks = [bytearray(100 * 1024) for _ in range(400)]
    last = blocks.pop()
    before = rss_mib()
    del blocks
    if use:
        heap.give_back()
elif case == "threshold":
    if use:
        heap.configure(2)
    big = bytearray(16 << 20)
    del big                                   # glibc now raises its mmap threshold to 16 MiB...
    blocks = [bytearray(2 << 20) for _ in range(20)]
    last = bytearray(4096)                    # ...so these 2 MiB blocks come from the heap; pin its top
    before = rss_mib()
    del blocks
print(json.dumps({"before": before, "after": rss_mib()}))
'''


def _released(case, use):
    out = subprocess.run([sys.executable, "-c", PROGRAM, case, "1" if use else "0"], capture_output=True,
                         text=True, check=True)
    figures = json.loads(out.stdout)
    return figures["before"] - figures["after"]


@pytest.mark.parametrize("case", ["trim", "threshold"])
def test_the_heap_calls_hand_freed_memory_back(case):
    # 39 MiB (trim) or 40 MiB (threshold) are freed; a quarter of it is far above any noise in VmRSS.
    assert _released(case, use=False) < 10
    assert _released(case, use=True) > 30


def test_the_calls_are_harmless_twice_and_say_whether_they_worked():
    from nndl_hw4.grading import heap
    assert heap.configure(2) is True and heap.configure(2) is True
    assert heap.give_back() in (True, False)
