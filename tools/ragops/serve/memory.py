"""Giving freed memory back to the system while the service runs.

Batches of different sizes, answered on several threads, leave glibc's heaps holding freed memory that it does
not return by itself: measured here (2 batch threads, batch sizes 1-16, covid-qa), resident memory crept from 770
to 880 MiB over 20,000 questions and kept climbing; ``malloc_trim(0)`` brought it back to 660 MiB each time, in
7-11 ms. A fixed mmap threshold kept it flat too, but answered 16 % fewer questions per second. So the service
trims every few seconds (``--memory-trim-s``, default 5): under load resident memory then swings by the few seconds
of garbage between trims and settles back to the same level after every burst. Elsewhere than glibc (musl,
macOS) there is nothing to call and trimming does nothing.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    function: Callable[[int], int] = trim
    return function


def release_free_memory() -> bool:
    """Return the C heap's free memory to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


async def trim_periodically(every_s: float) -> None:
    """Until cancelled: every ``every_s`` seconds, trim in a worker thread (the event loop keeps serving)."""
    while True:
        await asyncio.sleep(every_s)
        await asyncio.to_thread(release_free_memory)
