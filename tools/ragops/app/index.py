"""Use case: build (or reuse) an app's retrieval index."""

from __future__ import annotations

from pathlib import Path

from ragops.app.preflight import environment_checks
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.errors import UsageError, ValidationFailed
from ragops.layout import embedding_cache_dir, index_dir, resolve_repo_path
from ragops.rag.index import IndexReport, Progress, build_index


def load_app(config_path: Path, root: Path) -> AppConfig:
    if not config_path.is_file():
        raise UsageError(f"no such config file: {config_path}")
    return load_app_config(config_path, root, environment_checks)


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
