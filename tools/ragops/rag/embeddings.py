"""Embedding models: sentence-transformers from a local folder, or an OpenAI-compatible embeddings endpoint.

Models are resolved by ``model_store`` and never downloaded: a model that is not on this machine is an
``InfrastructureError`` that says how to install it. Each embedder has an ``identity`` that changes whenever its
vectors could (weights, tokenizer, endpoint), which keys the embedding cache and is recorded in index manifests.

Embedders may be called from several threads at once. A sentence-transformers model's fast tokenizer must not be
entered by two threads ("Already borrowed"), so each thread encodes with its own replica of the model: its own
tokenizer, the same weight tensors (no second copy in memory). Batches then run side by side, which on a few
cores answers small batches faster than one batch spread over every core (bench/bench_serve.py).
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import openai

from ragops.config.models import EmbeddingSpec
from ragops.errors import InfrastructureError
from ragops.hashing import files_hash
from ragops.rag import model_store
from ragops.rag.openai_client import describe_failure, endpoint_url, make_client
from ragops.rag.tokenization import ModelTokenizer, TokenBoundaries, WordTokenizer

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Matrix = np.ndarray  # float32, one row per text


class Embedder(Protocol):
    identity: str
    normalize: bool
    max_tokens: int | None  # tokens the model reads before truncating, special tokens included
    tokenizer: TokenBoundaries

    def encode(self, texts: list[str], batch_size: int) -> Matrix: ...

    def prepare(self) -> None:
        """Load what encoding needs now, so the first query's latency measures retrieval, not loading."""


@functools.lru_cache(maxsize=8)
def _folder_digest(folder: Path) -> str:
    """Hash of every file that shapes the vectors (weights, config, tokenizer); READMEs do not."""
    return files_hash(folder, (p for p in folder.rglob("*") if p.is_file() and p.suffix != ".md"))[:16]


@functools.lru_cache(maxsize=4)
def _load_sentence_transformer(folder: Path) -> SentenceTransformer:
    # Imported here: torch takes seconds to import, and commands that never embed should not pay for it.
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # ragops renders its own progress; the weight-loading bar would only clutter stderr.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]  # transformers ships no hint here
    # Loading once per process lets indexing and answering in one run share the model.
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def set_compute_threads(count: int) -> None:
    """CPU threads one model call may use (torch's intra-op threads), for this whole process."""
    import torch

    torch.set_num_threads(count)


def _replica(folder: Path) -> SentenceTransformer:
    """Another instance of the folder's model (its own tokenizer) whose parameters are the shared model's tensors."""
    shared = _load_sentence_transformer(folder)
    replica = _load_sentence_transformer.__wrapped__(folder)
    replica.load_state_dict(shared.state_dict(), assign=True)  # assign: take these tensors, do not copy them
    return replica


def local_folder(name: str, root: Path | None, what: str) -> Path:
    folder = model_store.local_model_path(name, root)
    if folder is None:
        raise InfrastructureError(
            f"{what} {name!r} is not available on this machine, and ragops never downloads models: "
            f"{model_store.install_hint(name)}"
        )
    return folder


class SentenceTransformerEmbedder:
    def __init__(self, name: str, folder: Path, normalize: bool) -> None:
        self.name = name
        self.folder = folder
        self.normalize = normalize
        self.identity = f"sentence-transformers:{model_store.canonical_name(name)}@{_folder_digest(folder)}"
        self.tokenizer: TokenBoundaries = ModelTokenizer(folder)
        self.max_tokens = model_store.max_seq_length(folder)
        self._own = threading.local()  # this thread's model
        self._first = threading.Lock()
        self._shared_taken = False

    def prepare(self) -> None:
        self._model()

    def _model(self) -> SentenceTransformer:
        model: SentenceTransformer | None = getattr(self._own, "model", None)
        if model is None:
            with self._first:
                # The first thread encodes with the process-wide model; any other gets a replica sharing its weights.
                take_shared, self._shared_taken = not self._shared_taken, True
            model = _load_sentence_transformer(self.folder) if take_shared else _replica(self.folder)
            self._own.model = model
        return model

    def encode(self, texts: list[str], batch_size: int) -> Matrix:
        model = self._model()
        vectors = model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=self.normalize,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder:
    max_tokens: int | None = None
    tokenizer: TokenBoundaries = WordTokenizer()

    def __init__(self, spec: EmbeddingSpec) -> None:
        self.spec = spec
        self.normalize = spec.normalize
        self.identity = f"openai:{spec.base_url or 'api.openai.com'}:{spec.model}"

    def prepare(self) -> None:
        """Nothing to load: the endpoint holds the model."""

    def encode(self, texts: list[str], batch_size: int) -> Matrix:
        url = endpoint_url(self.spec.base_url, self.spec.base_url_env)
        client = make_client(url, self.spec.api_key_env, timeout_s=60.0, max_retries=3)
        rows: list[list[float]] = []
        try:
            for first in range(0, len(texts), batch_size):
                response = client.embeddings.create(model=self.spec.model, input=texts[first : first + batch_size])
                rows.extend(item.embedding for item in sorted(response.data, key=lambda item: item.index))
        except openai.OpenAIError as exc:
            raise describe_failure(exc, url, self.spec.model) from exc
        vectors = _one_vector_per_text(rows, len(texts), self.spec)
        if self.normalize and len(vectors):
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors


def _one_vector_per_text(rows: list[Any], expected: int, spec: EmbeddingSpec) -> Matrix:
    """The endpoint's embeddings as a matrix, or a clear error when they are not one flat vector per text.

    Some servers answer with one vector per *token* (llama.cpp serving a model without a pooling layer); turning
    those into a text vector would be a guess about the model, so it is refused with what to change instead.
    """
    flat = all(isinstance(row, list) and row and all(isinstance(x, int | float) for x in row) for row in rows)
    if len(rows) != expected or not flat or len({len(row) for row in rows}) > 1:
        where = f"{spec.base_url or 'api.openai.com'} (model {spec.model})"
        raise InfrastructureError(
            f"{where} did not return one embedding vector per text: an embeddings endpoint must pool each text "
            "into a single vector (llama.cpp: serve an embedding model, which has a pooling layer)"
        )
    return np.asarray(rows, dtype=np.float32)


def make_embedder(spec: EmbeddingSpec, root: Path | None = None) -> Embedder:
    if spec.provider == "openai":
        return OpenAIEmbedder(spec)
    return SentenceTransformerEmbedder(spec.model, local_folder(spec.model, root, "embedding model"), spec.normalize)
