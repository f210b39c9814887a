"""Indexing through an OpenAI-compatible embeddings endpoint, over real HTTP on loopback.

Two real servers: a small OpenAI-protocol server (stdlib http.server) that embeds with the packaged MiniLM, so the
endpoint's vectors can be compared with the local provider's; and llama.cpp, whose /v1/embeddings returns one
vector per token for a chat model — which must be refused clearly, not crash.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer

from ragops.config.models import AppConfig
from ragops.errors import InfrastructureError
from ragops.rag import model_store
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index
from tests.conftest import FIXTURES
from tests.support.llama import LlamaServer

pytestmark = pytest.mark.e2e
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
QUESTION = "How many steps does the alpha handshake have?"


class _EmbeddingServer(ThreadingHTTPServer):
    model: SentenceTransformer
    requests = 0


class _Handler(BaseHTTPRequestHandler):
    server: _EmbeddingServer

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        vectors = self.server.model.encode(texts, convert_to_numpy=True).astype(np.float32)
        base64_wanted = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": base64.b64encode(v.tobytes()).decode() if base64_wanted else v.tolist(),
            }
            for i, v in enumerate(vectors)
        ]
        payload = json.dumps({"object": "list", "data": data, "model": body["model"], "usage": {}}).encode()
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the signature is the base class's
        return


@pytest.fixture(scope="module")
def minilm_endpoint() -> Iterator[_EmbeddingServer]:
    server = _EmbeddingServer(("127.0.0.1", 0), _Handler)
    folder = model_store.local_model_path(MINILM)
    assert folder is not None
    server.model = SentenceTransformer(str(folder), device="cpu")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _config(embedding: dict[str, object]) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "remote-embeddings"},
            "spec": {
                "data": {"corpus": str(FIXTURES / "corpus" / "docs"), "testsets": ["unused.jsonl"]},
                "splitter": {"chunk_size": 32, "chunk_overlap": 4},
                "embedding": embedding,
                "retrieval": {"mode": "vector", "top_k": 2},
            },
        }
    )


def test_endpoint_vectors_index_retrieve_and_cache_like_local_ones(
    minilm_endpoint: _EmbeddingServer, tmp_path: Path
) -> None:
    host, port = minilm_endpoint.server_address[:2]
    remote = _config({"provider": "openai", "model": MINILM, "base_url": f"http://{host!s}:{port}/v1"})
    first = build_index(remote, Path(remote.spec.data.corpus), tmp_path / "remote", tmp_path / "cache")
    assert first.chunks > 0 and first.embedded == first.chunks
    assert minilm_endpoint.requests >= 1
    index = load_index(tmp_path / "remote")
    assert index.manifest.model == f"openai:http://{host!s}:{port}/v1:{MINILM}"

    local = _config({"provider": "sentence-transformers", "model": MINILM})
    build_index(local, Path(local.spec.data.corpus), tmp_path / "local", tmp_path / "cache")
    remote_hits = RagEngine(remote, index, Path("/")).answer(QUESTION).hits
    local_hits = RagEngine(local, load_index(tmp_path / "local"), Path("/")).answer(QUESTION).hits
    assert [h.chunk_id for h in remote_hits] == [h.chunk_id for h in local_hits]
    assert remote_hits[0].doc_id == "alpha"
    assert np.allclose([h.score for h in remote_hits], [h.score for h in local_hits], atol=1e-4)

    served = minilm_endpoint.requests
    again = build_index(remote, Path(remote.spec.data.corpus), tmp_path / "remote-again", tmp_path / "cache")
    assert again.embedded == 0 and minilm_endpoint.requests == served, "cached vectors need no request"


def test_per_token_embeddings_are_refused_with_a_clear_error(
    llama_embedding_server: LlamaServer, tmp_path: Path
) -> None:
    config = _config(
        {"provider": "openai", "model": llama_embedding_server.model, "base_url": llama_embedding_server.base_url}
    )
    with pytest.raises(InfrastructureError, match="one embedding vector per text"):
        build_index(config, Path(config.spec.data.corpus), tmp_path / "index", tmp_path / "cache")
