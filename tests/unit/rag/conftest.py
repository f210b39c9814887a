"""Fixtures of the engine tests: the packaged MiniLM model (loaded once) and tiny apps built in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ragops.config.models import AppConfig, EmbeddingSpec
from ragops.rag.embeddings import Embedder, make_embedder
from tests.support.corpus import DOCS, write_corpus


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return make_embedder(EmbeddingSpec())


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., tuple[AppConfig, Path]]:
    """An app over a fresh corpus in tmp_path: ``make_app(docs=…, **spec overrides)`` → (config, root)."""

    def make(docs: dict[str, str] | None = None, **spec: object) -> tuple[AppConfig, Path]:
        write_corpus(tmp_path / "docs", DOCS if docs is None else docs)
        config = AppConfig.model_validate(
            {
                "apiVersion": "ragops.dev/v1",
                "kind": "RAGApp",
                "metadata": {"name": "tiny"},
                "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, **spec},
            }
        )
        return config, tmp_path

    return make
