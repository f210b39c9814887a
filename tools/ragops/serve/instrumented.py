"""An embedder wrapper that times each encode call: the ``embed`` stage of the service's metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

from ragops.rag.embeddings import Embedder, Matrix
from ragops.rag.tokenization import TokenBoundaries


class TimedEmbedder:
    def __init__(self, inner: Embedder, observe: Callable[[float], None]) -> None:
        self.inner = inner
        self.observe = observe
        self.identity: str = inner.identity
        self.normalize: bool = inner.normalize
        self.max_tokens: int | None = inner.max_tokens
        self.tokenizer: TokenBoundaries = inner.tokenizer

    def prepare(self) -> None:
        self.inner.prepare()

    def encode(self, texts: list[str], batch_size: int) -> Matrix:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size)
        finally:
            self.observe(time.perf_counter() - started)
