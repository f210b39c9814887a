"""The RAG engine: questions in, answers with citations, retrieved hits, latencies and token counts out.

The same object serves ``ragops query``, the evaluation pipeline and the deployed service, so all three answer
identically. ``answer_many`` retrieves questions in batches (one query-embedding call per batch); a question's
``retrieve`` latency is its share of its batch's retrieval time. The engine may be called from several threads
at once: retrieval is serialised, generation is not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.rag.embeddings import Embedder, make_embedder
from ragops.rag.generators import make_generator
from ragops.rag.hashing import indexing_config_hash
from ragops.rag.index import Index
from ragops.rag.reranker import Reranker
from ragops.rag.retrieval import Hit, Retriever

# Questions retrieved together: big enough to amortise embedding calls, small enough for regular progress.
_QUESTION_BATCH = 64


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


class RagEngine:
    def __init__(self, config: AppConfig, index: Index, root: Path) -> None:
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
            embedder.prepare()
        reranker = Reranker(spec.retrieval.reranker, root) if spec.retrieval.reranker else None
        self.config = config
        self.retriever = Retriever(index, spec.retrieval, embedder, spec.embedding.batch_size, reranker)
        self.generator = make_generator(config)
        # Retrieval runs the embedding model and its tokenizer, which must not be entered by two threads at once
        # (a fast tokenizer raises "Already borrowed"); generation may run concurrently.
        self._retrieval_lock = threading.Lock()

    def answer(self, question: str) -> Answer:
        return self.answer_many([question])[0]

    def answer_many(
        self, questions: Sequence[str], progress: Callable[[str, int, int], None] | None = None
    ) -> list[Answer]:
        answers: list[Answer] = []
        for first in range(0, len(questions), _QUESTION_BATCH):
            batch = list(questions[first : first + _QUESTION_BATCH])
            started = time.perf_counter()
            with self._retrieval_lock:
                all_hits = self.retriever.retrieve_many(batch)
            retrieve_ms = (time.perf_counter() - started) * 1000 / len(batch)
            for question, hits in zip(batch, all_hits, strict=True):
                started = time.perf_counter()
                generation = self.generator.generate(question, hits)
                generate_ms = (time.perf_counter() - started) * 1000
                answers.append(
                    Answer(
                        question=question,
                        answer=generation.answer,
                        citations=generation.citations,
                        hits=hits,
                        latency_ms={"retrieve": retrieve_ms, "generate": generate_ms},
                        prompt_tokens=generation.prompt_tokens,
                        completion_tokens=generation.completion_tokens,
                        prompt=generation.prompt,
                    )
                )
                if progress is not None:
                    progress("answer", len(answers), len(questions))
        return answers
