"""Fixtures of the engine tests: the packaged MiniLM model (loaded once) and tiny apps built in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ragops.config.models import AppConfig, EmbeddingSpec
from ragops.rag.embeddings import Embedder, make_embedder

DOCS = {
    "vaccines.txt": "Vaccines train the immune system. The mRNA vaccine was developed in 2020 by several teams. "
    "It encodes the spike protein of SARS-CoV-2.",
    "masks.md": "# Masks\n\nSurgical masks reduce droplet transmission. N95 respirators filter 95 percent of "
    "airborne particles.",
    "bats.html": "<html><head><title>Bats</title><script>var x = 1;</script></head><body><h1>Bats</h1>"
    "<p>Horseshoe bats are a natural reservoir of coronaviruses.</p></body></html>",
    "notes/records.jsonl": '{"id": "r1", "title": "Incubation", "text": "The incubation period of COVID-19 is '
    'about five days."}\n{"id": "r2", "text": "Remdesivir is an antiviral drug tested against Ebola."}\n',
}


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return make_embedder(EmbeddingSpec())


def write_corpus(folder: Path, docs: dict[str, str]) -> None:
    for name, text in docs.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


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
