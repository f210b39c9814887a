"""An exclusive lock on a lock file (``fcntl.flock``), so concurrent ragops processes wait for each other's work.

Two ``ragops index`` runs of one app would otherwise both embed everything; with the lock the second waits, then
finds the index the first one built up to date and reuses it. The lock is the kernel's: it goes away with the
process holding it, so a killed run never leaves a stale lock behind, and the lock file itself is never removed
(removing it would let a third process lock a fresh file while the second still holds the old one).
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(lock_file: Path, on_wait: Callable[[], None] | None = None) -> Iterator[float]:
    """Hold an exclusive lock on ``lock_file`` (created if missing); yields the seconds spent waiting for it.

    ``on_wait`` is called once, before blocking, when another process holds the lock."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a+b") as handle:
        started = time.perf_counter()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield time.perf_counter() - started
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
