"""Returning freed memory to the system: glibc's malloc_trim, every few seconds while the service runs."""

from __future__ import annotations

import asyncio
import ctypes
import platform
import threading

import psutil
import pytest

from ragops.serve import memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    process = psutil.Process()
    memory.release_free_memory()
    before = process.memory_info().rss

    kept: list[ctypes.Array[ctypes.c_char]] = []

    def churn() -> None:
        # 300 MiB on a thread's own heap, then 7 blocks in 8 freed: the holes stay with the process until trimmed.
        blocks = [ctypes.create_string_buffer(16384) for _ in range(20_000)]
        kept.extend(blocks[::8])

    thread = threading.Thread(target=churn)
    thread.start()
    thread.join()
    held = process.memory_info().rss
    assert memory.release_free_memory() is True
    assert process.memory_info().rss - before < (held - before) / 2


def test_the_trimmer_runs_every_interval_until_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(memory, "release_free_memory", lambda: calls.append(threading.current_thread().name) or True)

    async def scenario() -> None:
        task = asyncio.create_task(memory.trim_periodically(0.01))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    count = len(calls)
    assert count >= 3
    assert threading.main_thread().name not in calls  # off the event loop's thread
