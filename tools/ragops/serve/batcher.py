"""Micro-batching: concurrent questions are answered together, so a batch costs one query-embedding call.

Requests put their question on an asyncio queue and await a future. A collector takes every waiting question
(up to ``max_batch``), optionally waits up to ``max_wait_ms`` for more, and hands the batch to a worker thread
(the event loop stays free for other requests and slow clients). Under load the queue fills while a batch runs,
so batches grow with the load even with no wait at all, and a request alone is not delayed. ``concurrency``
batches may run at once; the engine serialises what is not thread-safe (the embedding model) itself. Each question
carries its request's trace context into the batch (``ragops.tracing.batch``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from opentelemetry.context import Context

from ragops import tracing

Result = TypeVar("Result")
_POLL_S = 0.0005


@dataclass(frozen=True)
class Batched(Generic[Result]):
    result: Result
    queued_s: float  # time the question waited before its batch started
    batch_size: int


@dataclass
class _Pending(Generic[Result]):
    question: str
    enqueued: float
    future: asyncio.Future[Batched[Result]]
    trace: Context | None  # the request's trace context, so its spans join its trace


class MicroBatcher(Generic[Result]):
    def __init__(
        self,
        answer_many: Callable[[Sequence[str]], list[Result]],
        max_batch: int = 32,
        max_wait_ms: float = 5.0,
        concurrency: int = 1,
    ) -> None:
        if max_batch < 1 or concurrency < 1 or max_wait_ms < 0:
            raise ValueError("max_batch and concurrency must be at least 1, max_wait_ms at least 0")
        self.answer_many = answer_many
        self.max_batch = max_batch
        self.max_wait_s = max_wait_ms / 1000
        self.concurrency = concurrency
        self._queue: asyncio.Queue[_Pending[Result]] | None = None
        self._collectors: list[asyncio.Task[None]] = []
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="ragops-batch")
        self._collectors = [asyncio.create_task(self._collect()) for _ in range(self.concurrency)]

    async def stop(self) -> None:
        for task in self._collectors:
            task.cancel()
        await asyncio.gather(*self._collectors, return_exceptions=True)
        self._collectors = []
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    async def submit(self, question: str) -> Batched[Result]:
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        future: asyncio.Future[Batched[Result]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(question, time.perf_counter(), future, tracing.current_parent()))
        return await future

    def _answer(self, questions: list[str], traces: list[Context | None]) -> list[Result]:
        """``answer_many`` on a worker thread, each question's spans under its own request's trace."""
        with tracing.batch(traces):
            return self.answer_many(questions)

    async def _gather(self, queue: asyncio.Queue[_Pending[Result]]) -> list[_Pending[Result]]:
        batch = [await queue.get()]
        deadline = time.perf_counter() + self.max_wait_s
        while len(batch) < self.max_batch:
            if not queue.empty():
                batch.append(queue.get_nowait())
                continue
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                break
            # Short sleeps rather than wait_for(queue.get()): on Python 3.11 a timeout racing a get can lose an item.
            await asyncio.sleep(min(remaining, _POLL_S))
        return batch

    async def _collect(self) -> None:
        assert self._queue is not None and self._executor is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [p for p in await self._gather(self._queue) if not p.future.cancelled()]
            if not batch:
                continue
            started = time.perf_counter()
            try:
                results = await loop.run_in_executor(
                    self._executor, self._answer, [p.question for p in batch], [p.trace for p in batch]
                )
            except Exception as exc:  # handed to every waiting request, which reports it
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
                continue
            for pending, result in zip(batch, results, strict=True):
                if not pending.future.done():
                    pending.future.set_result(Batched(result, started - pending.enqueued, len(batch)))
