"""The RAG engine: questions in, answers with citations, retrieved hits, latencies and token counts out.

The same object serves ``ragops query``, the evaluation pipeline and the deployed service, so all three answer
identically. ``answer_many`` retrieves questions in batches (one query-embedding call per batch); a question's
``retrieve`` latency is its share of its batch's retrieval time. With an embedding cache (the evaluation pipeline)
the questions' vectors are made ready before that timed pass, so the latency is search, fusion and reranking with
the vector at hand: the same measure whether this run embedded the question or an earlier run cached it, which is
what makes two evaluations' latencies comparable. Without one (``ragops query``, the service) it includes
embedding the question. ``retrieve_many`` is the first half alone, and
``ragops.rag.answering.answer_from`` the second: the evaluation pipeline runs them as separate steps. The
engine may be called from several threads at once: every part is safe to share (the embedder gives each thread
its own tokenizer; the reranker serialises itself; indexes are only read).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ragops import tracing
from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.rag.answering import Answer, Retrieved, answer_from
from ragops.rag.embedding_cache import EmbeddingCache
from ragops.rag.embeddings import Embedder, make_embedder
from ragops.rag.generators import make_generator
from ragops.rag.hashing import indexing_config_hash
from ragops.rag.index import Index
from ragops.rag.reranker import Reranker
from ragops.rag.retrieval import Retriever

__all__ = ["Answer", "RagEngine", "Retrieved"]  # Answer and Retrieved live in ragops.rag.answering

# Questions retrieved together: big enough to amortise embedding calls, small enough for regular progress.
_QUESTION_BATCH = 64


class RagEngine:
    def __init__(
        self, config: AppConfig, index: Index, root: Path, embedding_cache: EmbeddingCache | None = None
    ) -> None:
        """``embedding_cache``: where question vectors are looked up and kept (the model is then loaded only when
        a question is not in it); without one, the model is loaded now and every question is embedded."""
        expected = indexing_config_hash(config)
        if index.manifest.indexing_config_hash != expected:
            raise ValidationFailed(
                f"the index in {index.folder} was built with other indexing settings than {config.name}'s config: "
                "rebuild it with 'ragops index'"
            )
        spec = config.spec
        embedder: Embedder | None = None
        if spec.retrieval.mode != "text":
            embedder = make_embedder(spec.embedding, root)
            if embedder.identity != index.manifest.model:
                raise ValidationFailed(
                    f"the index in {index.folder} was embedded with {index.manifest.model}, but this machine's "
                    f"{spec.embedding.model} is {embedder.identity}: rebuild it with 'ragops index'"
                )
            if embedding_cache is None:
                embedder.prepare()
        reranker = Reranker(spec.retrieval.reranker, root) if spec.retrieval.reranker else None
        self.config = config
        self.mode = spec.retrieval.mode
        self.retriever = Retriever(
            index, spec.retrieval, embedder, spec.embedding.batch_size, reranker, cache=embedding_cache
        )
        self.generator = make_generator(config)

    def answer(self, question: str) -> Answer:
        return self.answer_many([question])[0]

    def retrieve_many(
        self, questions: Sequence[str], progress: Callable[[str, int, int], None] | None = None
    ) -> list[Retrieved]:
        retrieved: list[Retrieved] = []
        self.retriever.prepare_queries(list(questions))  # not timed: see the module's docstring
        for first in range(0, len(questions), _QUESTION_BATCH):
            batch = list(questions[first : first + _QUESTION_BATCH])
            started = time.perf_counter()
            with tracing.stage("retrieve", {"ragops.questions": len(batch), "ragops.retrieval.mode": self.mode}):
                all_hits = self.retriever.retrieve_many(batch)
            retrieve_ms = (time.perf_counter() - started) * 1000 / len(batch)
            retrieved += [Retrieved(q, hits, retrieve_ms) for q, hits in zip(batch, all_hits, strict=True)]
            if progress is not None:
                progress("retrieve", len(retrieved), len(questions))
        return retrieved

    def answer_many(
        self, questions: Sequence[str], progress: Callable[[str, int, int], None] | None = None
    ) -> list[Answer]:
        answers: list[Answer] = []
        for first in range(0, len(questions), _QUESTION_BATCH):
            for retrieved in self.retrieve_many(questions[first : first + _QUESTION_BATCH]):
                with tracing.item(len(answers)):  # under that question's request, when the service traces
                    answers.append(answer_from(self.generator, retrieved))
                if progress is not None:
                    progress("answer", len(answers), len(questions))
        return answers
