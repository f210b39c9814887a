"""A retrieved chunk (``Hit``): what retrieval hands to generation, kept apart from the retriever so that
generating from stored hits imports neither the index (FAISS, BM25) nor the embedding stack."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    rank: int  # from 1
    score: float
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def retrieved_text(hits: list[Hit]) -> str:
    """The retrieved chunks' text as one context, in rank order: what grounding metrics check an answer against,
    offline (the evaluation's ``context``) and online (the service's answer support)."""
    return "\n\n".join(hit.text for hit in hits)
