"""The process's own tuning for serving: the cyclic garbage collector and glibc's allocator.
``app.app_from_environment`` applies both around building the app."""

from __future__ import annotations

import ctypes
import gc
import sys

GC_THRESHOLDS = (50_000, 50, 100)
"""A server allocates and frees many short-lived objects per request, few of them in cycles: the
youngest generation is collected every 50,000 allocations instead of 700 (BENCHMARKS.md)."""


def tune_gc_for_a_server() -> None:
    """Freeze what start-up built (modules, the app, the pack, the engines): the cyclic collector
    never walks it again; then collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


MALLOC_MMAP_THRESHOLD = -3  # glibc's M_MMAP_THRESHOLD
MALLOC_MMAP_THRESHOLD_BYTES = 128 * 1024  # glibc's own starting value


def tune_malloc_for_a_server() -> None:
    """Keep glibc's mmap threshold at 128 KiB, where it starts, instead of letting it rise to
    the largest mapped block freed so far: after the first password hash (argon2id's 19 MiB) it
    would be 19 MiB, and every block below that, once freed, stays resident in the heap instead
    of going back to the system: each hashing thread's 19 MiB, and the old table of every
    per-account memory that grew (29 MiB at 100,000 teens, BENCHMARKS.md). The price: each hash
    maps its 19 MiB afresh, about 12 ms more a sign-in. Linux with glibc only; elsewhere nothing
    changes."""
    if sys.platform != "linux":
        return
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None)
    if mallopt is not None:
        mallopt(MALLOC_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD_BYTES)
