"""Keeping a batch's resident memory flat: glibc's heap tuned, and handed back after each submission.

glibc raises its mmap threshold after a large free (up to 32 MiB), so that
later large arrays (the final part's 24 MiB validation activations, a child's
decoded outputs) come from its heaps, one per grading thread, where freed
memory stays resident: a batch then climbs in steps of a submission's largest
buffers and never comes down. configure() fixes the threshold (an explicit
value turns the dynamic raise off: large arrays are mapped and unmapped) and
caps the heaps at one per grading job; give_back() (``malloc_trim(0)``) after
each submission returns the free pages of every heap. bench/memory.py shows
the effect. Elsewhere (macOS, musl) both are no-ops.
"""

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3           # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD = 1 << 20        # arrays of 1 MiB and more: mapped, and unmapped when freed


@functools.lru_cache(maxsize=1)
def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        trim, mallopt = libc.malloc_trim, libc.mallopt
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return trim, mallopt


def configure(jobs):
    """Tune this process's heap for grading with `jobs` threads (before they start); True on glibc."""
    libc = _libc()
    if libc is None:
        return False
    _, mallopt = libc
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_ARENA_MAX, max(1, jobs)))


def give_back():
    """Return freed heap memory to the OS; True when something was released."""
    libc = _libc()
    return bool(libc[0](0)) if libc else False
