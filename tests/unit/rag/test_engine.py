"""Retrieval modes, fusion, thresholds, index types and extractive answers, end to end through RagEngine."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.rag.embedding_cache import EmbeddingCache
from ragops.rag.engine import RagEngine
from ragops.rag.fusion import reciprocal_rank_fusion
from ragops.rag.index import build_index, load_index

MakeApp = Callable[..., tuple[AppConfig, Path]]


def _engine(make_app: MakeApp, **spec: object) -> RagEngine:
    config, root = make_app(**spec)
    build_index(config, root / "docs", root / "index", root / "cache")
    return RagEngine(config, load_index(root / "index"), root)


@pytest.mark.parametrize("mode", ["vector", "text", "hybrid"])
def test_every_mode_finds_the_document_that_answers(make_app: MakeApp, mode: str) -> None:
    engine = _engine(make_app, retrieval={"mode": mode, "top_k": 3})
    answers = engine.answer_many(["Which bats are a reservoir of coronaviruses?", "How long is the incubation period?"])
    assert [a.hits[0].doc_id for a in answers] == ["bats", "notes/records/r1"]
    assert all(len(a.hits) <= 3 and [h.rank for h in a.hits] == list(range(1, len(a.hits) + 1)) for a in answers)
    assert all(a.latency_ms["retrieve"] >= 0 and a.latency_ms["generate"] >= 0 for a in answers)


def test_extractive_answers_quote_the_best_sentence_and_cite_it(make_app: MakeApp) -> None:
    engine = _engine(make_app, llm={"provider": "extractive", "sentences": 1})
    answer = engine.answer("What do N95 respirators filter?")
    assert answer.answer == "N95 respirators filter 95 percent of airborne particles."
    assert answer.citations == ["masks"]
    assert (answer.prompt_tokens, answer.completion_tokens, answer.prompt) == (0, 0, None)
    assert json.loads(json.dumps(answer.to_dict()))["hits"][0]["doc_id"] == "masks"


def test_score_threshold_and_other_index_types(make_app: MakeApp) -> None:
    strict = _engine(make_app, retrieval={"mode": "vector", "score_threshold": 0.99})
    assert strict.answer("Which bats carry coronaviruses?").hits == []
    for kind in ("hnsw", "ivf"):
        engine = _engine(make_app, retrieval={"mode": "vector"}, vector_store={"index": kind, "ivf": {"nlist": 2}})
        assert engine.answer("Which bats carry coronaviruses?").hits[0].doc_id == "bats"


def test_text_mode_with_no_shared_word_returns_no_hits(make_app: MakeApp) -> None:
    engine = _engine(make_app, retrieval={"mode": "text"})
    answer = engine.answer("zzzz qqqq")
    assert answer.hits == [] and answer.answer == "" and answer.citations == []


def test_an_index_built_with_other_settings_is_refused(make_app: MakeApp) -> None:
    config, root = make_app()
    build_index(config, root / "docs", root / "index", root / "cache")
    other, _ = make_app(splitter={"chunk_size": 64, "chunk_overlap": 8})
    with pytest.raises(ValidationFailed, match="other indexing settings"):
        RagEngine(other, load_index(root / "index"), root)


def test_reciprocal_rank_fusion_weights_and_ties() -> None:
    fused = reciprocal_rank_fusion([([1, 2, 3], 1.0), ([3, 4], 1.0)], k=60)
    assert [row for row, _ in fused] == [3, 1, 2, 4]
    assert fused[0][1] == pytest.approx(1 / 63 + 1 / 61)
    weighted = reciprocal_rank_fusion([([1], 1.0), ([2], 2.0)], k=10)
    assert [row for row, _ in weighted] == [2, 1]


def test_many_threads_at_once_answer_exactly_as_one_does(make_app: MakeApp) -> None:
    # Each thread encodes with its own replica of the model (a fast tokenizer entered by two threads raises
    # "Already borrowed"); the answers must not depend on which thread, or how many at once, asked.
    engine = _engine(make_app, retrieval={"mode": "hybrid", "top_k": 3})
    questions = [
        "Which bats are a reservoir of coronaviruses?",
        "How long is the incubation period?",
        "What do N95 respirators filter?",
        "zzzz qqqq",
    ] * 6
    alone = [a.hits for a in engine.answer_many(questions)]
    batches = [questions[i : i + 3] for i in range(0, len(questions), 3)]
    with ThreadPoolExecutor(4) as pool:
        answered = [answer for batch in pool.map(engine.answer_many, batches) for answer in batch]
    assert [[(h.chunk_id, h.rank) for h in hits] for hits in alone] == [
        [(h.chunk_id, h.rank) for h in a.hits] for a in answered
    ]
    assert [h.score for hits in alone for h in hits] == pytest.approx(
        [h.score for a in answered for h in a.hits], abs=1e-5
    )


def test_with_a_cache_questions_are_embedded_before_the_timed_pass(make_app: MakeApp, tmp_path: Path) -> None:
    """So a run that embeds its questions and one that reads them from the cache time the same work."""
    config, root = make_app(retrieval={"mode": "hybrid"})
    build_index(config, root / "docs", root / "index", root / "cache")
    questions = ["Which bats carry coronaviruses?", "How long is the incubation period?", "What do N95 filter?"]
    calls: list[tuple[str, int, bool]] = []
    with EmbeddingCache(tmp_path / "query-cache") as cache:
        for run in ("cold", "warm"):
            engine = RagEngine(config, load_index(root / "index"), root, embedding_cache=cache)
            embedder = engine.retriever.embedder
            assert embedder is not None
            encode = embedder.encode

            def counting(texts: list[str], batch_size: int, run: str = run, encode: Any = encode) -> Any:
                ahead = any(frame.function == "prepare_queries" for frame in inspect.stack())
                calls.append((run, len(texts), ahead))
                return encode(texts, batch_size)

            embedder.encode = counting  # type: ignore[method-assign]
            retrieved = engine.retrieve_many(questions)
            assert retrieved[0].hits[0].doc_id == "bats"
    # Cold: the three questions embedded in one call ahead of the timed pass; warm: nothing embedded at all.
    assert calls == [("cold", 3, True)]
