"""Answers from retrieved hits: the ``Answer`` type and the function that turns a question's hits into it.

``RagEngine`` answers by retrieving and then calling ``answer_from``; the evaluation pipeline runs the two halves
in separate steps (so changing only the prompt or the LLM re-generates from stored hits) and calls the same
function, so both answer identically. Importing this module loads neither the index nor an embedding model.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from ragops import tracing
from ragops.rag.generation import Generator
from ragops.rag.hits import Hit


@dataclass(frozen=True)
class Retrieved:
    """One question's hits, and its share of the retrieval time of its batch."""

    question: str
    hits: list[Hit]
    retrieve_ms: float


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    citations: list[str]
    hits: list[Hit]
    latency_ms: dict[str, float] = field(default_factory=dict)  # "retrieve", "generate"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def answer_from(generator: Generator, retrieved: Retrieved) -> Answer:
    """Generate the answer to ``retrieved.question`` from its hits."""
    started = time.perf_counter()
    with tracing.span("generate", {"ragops.hits": len(retrieved.hits)}) as traced:
        generation = generator.generate(retrieved.question, retrieved.hits)
        traced.set("ragops.citations", len(generation.citations))
    generate_ms = (time.perf_counter() - started) * 1000
    return Answer(
        question=retrieved.question,
        answer=generation.answer,
        citations=generation.citations,
        hits=retrieved.hits,
        latency_ms={"retrieve": retrieved.retrieve_ms, "generate": generate_ms},
        prompt_tokens=generation.prompt_tokens,
        completion_tokens=generation.completion_tokens,
        prompt=generation.prompt,
    )
