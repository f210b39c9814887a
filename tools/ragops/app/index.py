"""Use case: build (or reuse) an app's retrieval index."""

from __future__ import annotations

from pathlib import Path

from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.layout import embedding_cache_dir, index_dir, resolve_repo_path
from ragops.rag.index import IndexReport, Progress, build_index


def ensure_index(
    config: AppConfig,
    root: Path,
    index_folder: Path | None = None,
    cache_folder: Path | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Build ``config``'s index, or reuse it when its corpus and indexing settings are unchanged."""
    corpus = resolve_repo_path(config.spec.data.corpus, root)
    if corpus is None:
        raise ValidationFailed(f"the corpus {config.spec.data.corpus!r} leaves the repository (spec.data.corpus)")
    return build_index(
        config,
        corpus,
        index_folder or index_dir(root, config.name),
        cache_folder or embedding_cache_dir(root),
        progress,
        root=root,
    )
