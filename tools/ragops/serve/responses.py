"""What ``/v1/query`` and ``/v1/chat`` answer alike: the length check, the sources of an answer, the metrics
every answer records (stage timings and the online quality signals), and the 503 for a dependency that failed."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from ragops.rag.engine import Answer
from ragops.serve.batcher import Batched
from ragops.serve.metrics import ServeMetrics
from ragops.serve.models import Source, Status
from ragops.serve.online_quality import answer_signals


def milliseconds(seconds: float) -> float:
    return round(seconds * 1000, 3)


def question_too_long(question: str, limit: int) -> JSONResponse | None:
    """A 422 in FastAPI's validation-error shape when ``question`` is over ``limit`` characters, else None."""
    if len(question) <= limit:
        return None
    detail = [
        {
            "type": "string_too_long",
            "loc": ["body", "question"],
            "msg": f"the question has {len(question)} characters, at most {limit} are accepted",
            "input": None,
        }
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def unavailable(detail: str) -> JSONResponse:
    return JSONResponse(Status(status="unavailable", detail=detail).model_dump(), status_code=503)


def sources_of(answer: Answer) -> list[Source]:
    cited = set(answer.citations)
    return [
        Source(doc_id=h.doc_id, chunk_id=h.chunk_id, score=h.score, start=h.start, end=h.end, cited=h.doc_id in cited)
        for h in answer.hits
    ]


def observe_answered(metrics: ServeMetrics, batched: Batched[Answer]) -> None:
    """Record one answer of either endpoint: its stage timings, and its online quality signals (counted per
    answer, so a chat turn weighs as much as a single question in the release's answer rates)."""
    answer = batched.result
    metrics.stage_duration.labels(stage="queue").observe(batched.queued_s)
    metrics.stage_duration.labels(stage="retrieve").observe(answer.latency_ms.get("retrieve", 0.0) / 1000)
    metrics.stage_duration.labels(stage="generate").observe(answer.latency_ms.get("generate", 0.0) / 1000)
    metrics.observe_answer(answer_signals(answer))
