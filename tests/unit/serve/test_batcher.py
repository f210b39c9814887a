"""The micro-batcher: concurrent questions share one answer_many call; results go back to the right caller."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import pytest

from ragops.serve.batcher import MicroBatcher


class _Recorder:
    def __init__(self, gate: threading.Event | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = gate

    def answer_many(self, questions: Sequence[str]) -> list[str]:
        if self.gate is not None:
            self.gate.wait(10)
        self.batches.append(list(questions))
        if "boom" in questions:
            raise ValueError("engine failed")
        return [q.upper() for q in questions]


def test_questions_waiting_together_are_answered_in_one_call() -> None:
    gate = threading.Event()
    recorder = _Recorder(gate)

    async def scenario() -> list[str]:
        batcher: MicroBatcher[str] = MicroBatcher(recorder.answer_many, max_batch=8, max_wait_ms=0)
        await batcher.start()
        first = asyncio.create_task(batcher.submit("q0"))
        await asyncio.sleep(0.05)  # q0's batch is now blocked in the engine; the rest queue up behind it
        rest = [asyncio.create_task(batcher.submit(f"q{i}")) for i in range(1, 11)]
        await asyncio.sleep(0.05)
        gate.set()
        results = [(await first).result] + [(await task).result for task in rest]
        await batcher.stop()
        return results

    results = asyncio.run(scenario())
    assert results == [f"Q{i}" for i in range(11)]
    assert [len(b) for b in recorder.batches] == [1, 8, 2]  # max_batch bounds a batch


def test_an_engine_failure_reaches_every_caller_of_that_batch_and_the_batcher_goes_on() -> None:
    recorder = _Recorder()

    async def scenario() -> str:
        batcher: MicroBatcher[str] = MicroBatcher(recorder.answer_many, max_batch=4, max_wait_ms=20)
        await batcher.start()
        failing = [asyncio.create_task(batcher.submit(q)) for q in ("boom", "other")]
        for task in failing:
            with pytest.raises(ValueError, match="engine failed"):
                await task
        after = (await batcher.submit("fine")).result
        await batcher.stop()
        return after

    assert asyncio.run(scenario()) == "FINE"


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        MicroBatcher(_Recorder().answer_many, max_batch=0)
