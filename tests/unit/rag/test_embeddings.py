"""Sentence-transformers embedders used from several threads: each thread its own tokenizer, one set of weights."""

from __future__ import annotations

import threading

import numpy as np

from ragops.config.models import EmbeddingSpec
from ragops.rag.embeddings import SentenceTransformerEmbedder, make_embedder

TEXTS = ["Horseshoe bats are a natural reservoir of coronaviruses.", "How long is the incubation period?"]


def _in_thread(embedder: SentenceTransformerEmbedder) -> tuple[np.ndarray, object]:
    out: list[tuple[np.ndarray, object]] = []
    thread = threading.Thread(target=lambda: out.append((embedder.encode(TEXTS, 8), embedder._model())))
    thread.start()
    thread.join()
    return out[0]


def test_another_thread_encodes_with_a_replica_that_shares_the_weights() -> None:
    embedder = make_embedder(EmbeddingSpec())
    assert isinstance(embedder, SentenceTransformerEmbedder)
    here = embedder.encode(TEXTS, 8)
    mine = embedder._model()
    there, replica = _in_thread(embedder)
    assert replica is not mine
    assert replica.tokenizer is not mine.tokenizer  # type: ignore[attr-defined]
    shared = {name: p.data_ptr() for name, p in mine.named_parameters()}
    assert {name: p.data_ptr() for name, p in replica.named_parameters()} == shared  # type: ignore[attr-defined]
    np.testing.assert_array_equal(here, there)
