"""Evidence for atomic facts: passages from the app's own corpus, or the passages an answer was given.

The reference retrieves, for each fact, the top 5 passages of up to 256 tokens of the topic's Wikipedia article
(``bm25`` mode: BM25 with the topic and the fact as the query). ragops has no topic article; its knowledge
source is the app's corpus at the evaluated commit, and its passages are the app's own chunks (256 tokens in the
sample apps), already indexed for BM25 (bm25s) by the index step. So the query is the fact alone, searched over
the whole corpus (:class:`CorpusEvidence`). The second variant gives each fact only the chunks the answer was
generated from (:func:`CorpusEvidence.given`): faithfulness to the context rather than to the corpus.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragops.evaluation.factscore.method import TOP_K
from ragops.evaluation.predictions import Prediction
from ragops.rag.chunking import Chunk
from ragops.rag.text_index import TextIndex


@dataclass(frozen=True)
class Passage:
    """One evidence passage: a chunk of the corpus (``chunk_id`` empty for an answer's unsplittable context)."""

    chunk_id: str
    doc_id: str
    text: str


class CorpusEvidence:
    """BM25 search over an index's chunks, and its chunks by id."""

    def __init__(self, chunks: Sequence[Chunk], text_index: TextIndex, k: int = TOP_K) -> None:
        self._chunks = list(chunks)
        self._by_id = {c.id: c for c in self._chunks}
        self._index = text_index
        self.k = k

    @property
    def chunks(self) -> list[Chunk]:
        return self._chunks

    def _passage(self, chunk: Chunk) -> Passage:
        return Passage(chunk.id, chunk.doc_id, chunk.text)

    def search(self, facts: Sequence[str]) -> list[list[Passage]]:
        """The top ``k`` passages for each fact, best first; fewer when fewer chunks share a word with it."""
        if not facts or not self._chunks:
            return [[] for _ in facts]
        _, rows = self._index.search(list(facts), self.k)
        return [[self._passage(self._chunks[int(r)]) for r in row if r >= 0] for row in rows]

    def given(self, prediction: Prediction) -> list[Passage]:
        """The passages the answer was generated from: its retrieved chunks, in rank order. Should a chunk be
        missing from the index (a prediction from another index), the stored context is one passage."""
        found = [self._by_id.get(hit.chunk_id) for hit in prediction.chunks]
        if found and all(c is not None for c in found):
            return [self._passage(c) for c in found if c is not None]
        return [Passage("", "", prediction.context)] if prediction.context.strip() else []
