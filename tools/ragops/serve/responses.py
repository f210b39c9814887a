"""What ``/v1/query`` and ``/v1/chat`` answer alike: the length check, the citations and sources of an answer, the
metrics every answer records (stage timings and the online quality signals), and the 503 for a dependency that
failed."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse

from ragops.rag.attribution import attribute
from ragops.rag.engine import Answer
from ragops.serve.batcher import Batched
from ragops.serve.metrics import ServeMetrics
from ragops.serve.models import Citation, Source, Span, Status
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


# A source's passage and highlight: in every answer, but not copied into the feedback request log, which would grow
# by every passage of every answer.
PASSAGE_FIELDS = frozenset({"text", "supporting"})


def cited_sources(answer: Answer, titles: Mapping[str, str]) -> tuple[list[Citation], list[Source]]:
    """The answer's citations and its sources: each retrieved passage, with its document's title and the sentence
    in it that support the answer."""
    cited = set(answer.citations)
    # An answer has a prompt when an LLM wrote it from the numbered passages: then its [n] are citations.
    attribution = attribute(answer.answer, answer.hits, answer.citations, numbered=answer.prompt is not None)
    sources = []
    for index, hit in enumerate(answer.hits):
        sources.append(
            Source(
                doc_id=hit.doc_id,
                title=titles.get(hit.doc_id),
                chunk_id=hit.chunk_id,
                score=hit.score,
                start=hit.start,
                end=hit.end,
                cited=hit.doc_id in cited,
                text=hit.text,
                supporting=[Span(start=s.start, end=s.end) for s in attribution.supporting.get(index, [])],
            )
        )
    citations = [Citation(start=r.start, end=r.end, source=r.hit) for r in attribution.references]
    return citations, sources


def observe_answered(metrics: ServeMetrics, batched: Batched[Answer]) -> None:
    """Record one answer of either endpoint: its stage timings, and its online quality signals (counted per
    answer, so a chat turn weighs as much as a single question in the release's answer rates)."""
    answer = batched.result
    metrics.stage_duration.labels(stage="queue").observe(batched.queued_s)
    metrics.stage_duration.labels(stage="retrieve").observe(answer.latency_ms.get("retrieve", 0.0) / 1000)
    metrics.stage_duration.labels(stage="generate").observe(answer.latency_ms.get("generate", 0.0) / 1000)
    metrics.observe_answer(answer_signals(answer))
