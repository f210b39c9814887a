"""Use case: build (or reuse) an app's retrieval index."""

from __future__ import annotations

from pathlib import Path

from ragops.config.app_data import corpus_path
from ragops.config.models import AppConfig
from ragops.layout import embedding_cache_dir, index_dir
from ragops.rag.index import IndexReport, Progress, build_index


def ensure_index(
    config: AppConfig,
    root: Path,
    index_folder: Path | None = None,
    cache_folder: Path | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Build ``config``'s index, or reuse it when its corpus and indexing settings are unchanged."""
    return build_index(
        config,
        corpus_path(config, root),
        index_folder or index_dir(root, config.name),
        cache_folder or embedding_cache_dir(root),
        progress,
        root=root,
    )
