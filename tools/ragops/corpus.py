"""Corpora on disk: which files are documents, and the stable id each document gets.

A document's id is its path relative to the corpus folder, without the extension, with '/' separators:
``datasets/covid-qa/docs/covidqa-630.txt`` has id ``covidqa-630``. Test sets refer to documents by this id.
"""

from __future__ import annotations

from pathlib import Path

# Files that are never documents: DVC and git bookkeeping, editor droppings.
_IGNORED_NAMES = {".gitignore", ".gitkeep", ".dvcignore", ".DS_Store"}


def doc_id(path: Path, corpus_root: Path) -> str:
    return path.relative_to(corpus_root).with_suffix("").as_posix()


def list_documents(corpus_root: Path, include: list[str] | None = None, exclude: list[str] | None = None) -> list[Path]:
    """Document files under ``corpus_root``, sorted, skipping hidden files and folders."""
    patterns = include or ["**/*"]
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in corpus_root.glob(pattern) if p.is_file())
    excluded = {p for pattern in exclude or [] for p in corpus_root.glob(pattern)}
    return sorted(
        p
        for p in found - excluded
        if p.name not in _IGNORED_NAMES and not any(part.startswith(".") for part in p.relative_to(corpus_root).parts)
    )


def document_ids(corpus_root: Path) -> dict[str, Path]:
    return {doc_id(p, corpus_root): p for p in list_documents(corpus_root)}
