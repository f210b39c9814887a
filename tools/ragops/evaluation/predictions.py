"""Predictions: what the answering step produced for each test question, one JSON object per line.

``predictions.jsonl`` is a public contract between the answering step, the scorer, the renderers and the diff.
One record per test question, keyed by ``(testset, id)`` — question ids are unique only within a test set.
The scorer fills ``metrics`` (per-question values); everything else is written by the answering step.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ragops.errors import ValidationFailed

NonEmpty = Annotated[str, Field(min_length=1)]


class ChunkHit(BaseModel):
    """One retrieved chunk, in rank order. ``start``/``end`` are character offsets into the document text that
    gold spans refer to, so chunk-level metrics can test overlap."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    chunk_id: NonEmpty
    doc_id: NonEmpty
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    score: float

    @model_validator(mode="after")
    def _ordered(self) -> ChunkHit:
        if self.end < self.start:
            raise ValueError(f"chunk end {self.end} is before its start {self.start}")
        return self


class Latency(BaseModel):
    """Wall-clock milliseconds spent answering one question, per stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    retrieve: float = Field(ge=0.0)
    generate: float = Field(ge=0.0)

    @property
    def total(self) -> float:
        return self.retrieve + self.generate


class Prediction(BaseModel):
    """One line of ``predictions.jsonl``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Prediction")

    id: NonEmpty = Field(description="The test-set question id.")
    testset: NonEmpty = Field(description="Name of the test set the question belongs to.")
    question: str
    answer: str = Field(description="The generated answer; empty when the app abstained.")
    retrieved_doc_ids: list[NonEmpty] = Field(
        description="Ranked distinct document ids, in order of first appearance among the retrieved chunks."
    )
    chunks: list[ChunkHit] = Field(default_factory=list, description="Retrieved chunks in rank order.")
    citations: list[NonEmpty] | None = Field(
        None,
        description="Document ids the answer cites; null when the app does not cite (citation mode off), "
        "[] when it could cite but cited nothing.",
    )
    context: str = Field(
        "",
        description="The retrieved text the answer was generated from, as given to the generator. Stored "
        "rather than rebuilt from chunk offsets so scoring needs no corpus.",
    )
    latency_ms: Latency
    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)
    metrics: dict[str, float] = Field(
        default_factory=dict, description="Per-question metric values, filled in by the scorer."
    )
    standalone_question: str | None = Field(
        None,
        description="A conversation's turn: the question made standalone from its history, which was retrieved and "
        "answered; null for a question asked on its own.",
    )
    unaided_doc_ids: list[NonEmpty] | None = Field(
        None,
        description="A turn with history: the documents retrieved for the question as asked, without the history "
        "(for context_carried); null otherwise.",
    )

    @model_validator(mode="after")
    def _distinct_docs(self) -> Prediction:
        if len(set(self.retrieved_doc_ids)) != len(self.retrieved_doc_ids):
            # Duplicates would let one document count twice in recall and precision.
            raise ValueError("retrieved_doc_ids must be distinct; use distinct_doc_ids(chunks)")
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.testset, self.id)


def distinct_doc_ids(chunks: Iterable[ChunkHit]) -> list[str]:
    """Document ids of ranked chunks, each once, in order of first appearance: the document-level ranking."""
    return list(dict.fromkeys(chunk.doc_id for chunk in chunks))


def dumps_jsonl(predictions: Iterable[Prediction]) -> str:
    return "".join(p.model_dump_json() + "\n" for p in predictions)


def write_jsonl(path: Path, predictions: Iterable[Prediction]) -> None:
    path.write_text(dumps_jsonl(predictions), encoding="utf-8")


def read_jsonl(path: Path) -> list[Prediction]:
    """Read ``predictions.jsonl``; a malformed line raises :class:`ValidationFailed` naming the line."""
    return loads_jsonl(path.read_text(encoding="utf-8"), str(path))


def loads_jsonl(text: str, display: str = "predictions") -> list[Prediction]:
    out: list[Prediction] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(Prediction.model_validate_json(line))  # pydantic parses it: twice as fast as json.loads first
        except ValidationError as exc:  # also malformed JSON
            raise ValidationFailed(f"{display}:{number}: not a valid prediction: {_first_line(exc)}") from exc
    return out


def _first_line(exc: Exception) -> str:
    lines = str(exc).splitlines()
    return " ".join(lines[:3]) if lines else type(exc).__name__


def by_key(predictions: Sequence[Prediction]) -> dict[tuple[str, str], Prediction]:
    """Index predictions by ``(testset, id)``; a duplicate key raises, since it would count a question twice."""
    out: dict[tuple[str, str], Prediction] = {}
    for prediction in predictions:
        if prediction.key in out:
            raise ValidationFailed(f"two predictions for question '{prediction.id}' of test set '{prediction.testset}'")
        out[prediction.key] = prediction
    return out
