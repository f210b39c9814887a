"""Re-scoring retrieved chunks with a sentence-transformers CrossEncoder read from a local folder.

Safe to call from several threads: scoring is serialised, as the model's fast tokenizer must not be entered by two
threads at once.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ragops.config.models import RerankerSpec
from ragops.rag.embeddings import local_folder


class Reranker:
    def __init__(self, spec: RerankerSpec, root: Path | None = None) -> None:
        # Imported here: torch takes seconds to import, and most apps have no reranker.
        from sentence_transformers import CrossEncoder

        self.candidates = spec.candidates
        self.model = CrossEncoder(str(local_folder(spec.model, root, "reranker model")), device="cpu")
        self._lock = threading.Lock()

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """One relevance score per (question, passage) pair; higher is more relevant."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            return np.asarray(self.model.predict(pairs, show_progress_bar=False), dtype=np.float32)
