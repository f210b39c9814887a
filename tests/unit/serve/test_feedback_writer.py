"""Ratings wait for their own thread, and past the bound they are refused at once rather than queued."""

from __future__ import annotations

import asyncio
import threading

import pytest

from ragops.serve.feedback_writer import FeedbackBusy, FeedbackWriter


def test_ratings_past_the_bound_are_refused_while_the_disk_is_slow() -> None:
    writer = FeedbackWriter(max_pending=2)
    disk = threading.Event()

    def slow_write(value: int) -> int:
        disk.wait(10)  # a stalled fsync
        return value

    async def flood() -> list[object]:
        tasks = [asyncio.ensure_future(writer.run(slow_write, n)) for n in range(5)]
        await asyncio.sleep(0.1)
        loop_is_free = await asyncio.wait_for(asyncio.sleep(0, result=True), 1)  # the event loop is not blocked
        assert loop_is_free
        disk.set()
        return await asyncio.gather(*tasks, return_exceptions=True)

    results = asyncio.run(flood())
    writer.close()
    assert results[:2] == [0, 1]
    assert all(isinstance(result, FeedbackBusy) for result in results[2:])
    with pytest.raises(FeedbackBusy, match="retry"):
        raise results[2]  # type: ignore[misc]
