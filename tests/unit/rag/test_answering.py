"""Retrieval and generation as two halves (the pipeline's retrieve and generate steps), and question vectors
kept in the embedding cache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ragops.config.models import AppConfig
from ragops.rag.answering import answer_from
from ragops.rag.embedding_cache import EmbeddingCache, cache_key
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index

MakeApp = Callable[..., tuple[AppConfig, Path]]
QUESTIONS = ["Which bats are a reservoir of coronaviruses?", "How long is the incubation period?", "What is N95?"]


def test_retrieving_then_generating_answers_like_answer_many(make_app: MakeApp) -> None:
    config, root = make_app(retrieval={"mode": "hybrid", "top_k": 2}, llm={"provider": "extractive", "sentences": 1})
    build_index(config, root / "docs", root / "index", root / "cache")
    engine = RagEngine(config, load_index(root / "index"), root)
    whole = engine.answer_many(QUESTIONS)
    halves = [answer_from(engine.generator, found) for found in engine.retrieve_many(QUESTIONS)]
    assert [(a.answer, a.citations, a.hits) for a in halves] == [(a.answer, a.citations, a.hits) for a in whole]


def test_question_vectors_are_cached_and_give_the_same_hits(make_app: MakeApp) -> None:
    config, root = make_app(retrieval={"mode": "vector", "top_k": 3})
    build_index(config, root / "docs", root / "index", root / "cache")
    index = load_index(root / "index")
    uncached = RagEngine(config, index, root).retrieve_many(QUESTIONS)

    with EmbeddingCache(root / "cache") as cache:
        first = RagEngine(config, index, root, embedding_cache=cache).retrieve_many(QUESTIONS)
    embedder = RagEngine(config, index, root).retriever.embedder
    assert embedder is not None
    keys = [cache_key(embedder.identity, embedder.normalize, q) for q in QUESTIONS]
    with EmbeddingCache(root / "cache") as cache:
        stored = cache.get_many(keys)
        # Keyed like chunk vectors, and the very vectors the model gives for the batch.
        assert np.array_equal(np.stack([stored[k] for k in keys]), embedder.encode(QUESTIONS, 32))
        again = RagEngine(config, index, root, embedding_cache=cache).retrieve_many(QUESTIONS)

    assert [r.hits for r in first] == [r.hits for r in uncached] == [r.hits for r in again]


def test_a_batch_mixing_cached_and_new_questions_keeps_their_order(make_app: MakeApp) -> None:
    config, root = make_app(retrieval={"mode": "vector", "top_k": 1})
    build_index(config, root / "docs", root / "index", root / "cache")
    index = load_index(root / "index")
    with EmbeddingCache(root / "cache") as cache:
        engine = RagEngine(config, index, root, embedding_cache=cache)
        engine.retrieve_many(QUESTIONS[1:2])
        mixed = engine.retrieve_many(QUESTIONS)
    assert [r.hits[0].doc_id for r in mixed] == ["bats", "notes/records/r1", "masks"]
