"""Building, reusing and loading an app's index: chunks, FAISS vectors, BM25 and a manifest, in one folder.

``build_index`` reuses the folder as it is when its manifest records the same corpus hash, indexing-config hash
and embedding-model identity; otherwise it rebuilds, taking every vector it can from the embedding cache, so
only new or changed chunks are embedded. A rebuilt index is written to a temporary folder and swapped in, so a
crash never leaves a half-written index where a reader would find it.

Layout of an index folder: ``manifest.json``, ``chunks.jsonl`` (one chunk per line, in vector order),
``vectors.faiss``, ``bm25/``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from ragops.config.models import AppConfig
from ragops.data.fingerprint import corpus_fingerprint
from ragops.errors import UsageError, ValidationFailed
from ragops.rag.chunking import Chunk, split_documents, split_plan
from ragops.rag.documents import LoadedCorpus, LoadProblem, load_corpus
from ragops.rag.embedding_cache import EmbeddingCache, cache_key
from ragops.rag.embeddings import Embedder, make_embedder
from ragops.rag.hashing import INDEX_FORMAT, indexing_config, indexing_config_hash
from ragops.rag.text_index import TextIndex
from ragops.rag.vector_store import VectorStore

Progress = Callable[[str, int, int], None]  # (stage, done, total)

# Defaults under the repository root; .ragops/ is gitignored.
STATE_DIR = ".ragops"
MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
# Texts handed to the model per call: large enough to keep it busy, small enough for steady progress and for
# the cache to keep most of the work when a run is interrupted.
_EMBED_SLICE_BATCHES = 4


class Manifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    format: int
    app: str
    model: str  # embedding-model identity
    normalize: bool
    dimension: int
    chunk_count: int
    document_count: int
    chunk_ids: list[str]
    corpus_fingerprint: str  # DVC's .dir hash of the corpus folder: the same from git or DVC
    indexing_config_hash: str
    indexing_config: dict[str, object]
    problems: list[dict[str, str]]  # files skipped under loader.on_error: skip


@dataclass(frozen=True)
class Index:
    folder: Path
    manifest: Manifest
    chunks: list[Chunk]
    vectors: VectorStore
    text: TextIndex


@dataclass(frozen=True)
class IndexReport:
    index_dir: str
    reused_index: bool  # the folder already held this exact index
    documents: int
    chunks: int
    embedded: int  # chunk texts embedded by this run
    reused: int  # chunks whose vectors came from the cache or the existing index
    corrupt_cache_entries: int
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def default_index_dir(root: Path, config: AppConfig) -> Path:
    return root / STATE_DIR / "index" / config.name


def default_cache_dir(root: Path) -> Path:
    return root / STATE_DIR / "cache"


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: nothing to show."""


def read_manifest(index_dir: Path) -> Manifest | None:
    try:
        return Manifest.model_validate_json((index_dir / MANIFEST).read_bytes())
    except (OSError, ValidationError):
        return None


def _reusable(index_dir: Path, corpus: str, config_hash: str, identity: str) -> Manifest | None:
    manifest = read_manifest(index_dir)
    if manifest is None or manifest.format != INDEX_FORMAT:
        return None
    if (manifest.corpus_fingerprint, manifest.indexing_config_hash, manifest.model) != (corpus, config_hash, identity):
        return None
    return manifest


def _embed(
    chunks: list[Chunk], embedder: Embedder, cache: EmbeddingCache, batch_size: int, progress: Progress
) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks`` in order, and how many texts had to be embedded (the rest came from the cache)."""
    keys = [cache_key(embedder.identity, embedder.normalize, c.text) for c in chunks]
    known = cache.get_many(keys)
    missing = {key: chunk.text for key, chunk in zip(keys, chunks, strict=True) if key not in known}
    # Longest first, like sentence-transformers within a call: each batch then pads to similar lengths.
    todo = sorted(missing.items(), key=lambda item: len(item[1]), reverse=True)
    step = batch_size * _EMBED_SLICE_BATCHES
    progress("embed", 0, len(todo))
    for first in range(0, len(todo), step):
        part = todo[first : first + step]
        vectors = embedder.encode([text for _, text in part], batch_size)
        fresh = {key: vector for (key, _), vector in zip(part, vectors, strict=True)}
        cache.put_many(fresh)
        known.update(fresh)
        progress("embed", first + len(part), len(todo))
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([known[key] for key in keys]).astype(np.float32), len(todo)


def _load(config: AppConfig, corpus_dir: Path, progress: Progress) -> LoadedCorpus:
    progress("load", 0, 1)
    loaded = load_corpus(corpus_dir, config.spec.loader)
    progress("load", 1, 1)
    if loaded.problems and config.spec.loader.on_error == "fail":
        listing = "\n".join(f"  {corpus_dir / p.path}: {p.reason}" for p in loaded.problems)
        raise ValidationFailed(
            f"{len(loaded.problems)} file(s) could not be read:\n{listing}\n"
            "fix or remove them, or set loader.on_error: skip to index the rest"
        )
    if not loaded.documents:
        raise ValidationFailed(f"no documents to index in {corpus_dir}")
    return loaded


def _write(index_dir: Path, manifest: Manifest, chunks: list[Chunk], vectors: VectorStore, text: TextIndex) -> None:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = index_dir.with_name(f".{index_dir.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    with (staging / CHUNKS).open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
    vectors.save(staging)
    text.save(staging)
    # The manifest goes last: a folder with a manifest is complete.
    (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    retired = index_dir.with_name(f".{index_dir.name}.retired-{os.getpid()}")
    if index_dir.exists():
        index_dir.rename(retired)
    staging.rename(index_dir)
    shutil.rmtree(retired, ignore_errors=True)


def build_index(
    config: AppConfig, root: Path, index_dir: Path, cache_dir: Path, progress: Progress | None = None
) -> IndexReport:
    """Build ``config``'s index into ``index_dir`` (or reuse it when it is up to date)."""
    started = time.perf_counter()
    report_progress = progress or _quiet
    corpus_dir = root / config.spec.data.corpus
    if not corpus_dir.is_dir():
        raise ValidationFailed(f"the corpus folder {corpus_dir} does not exist (spec.data.corpus)")
    spec = config.spec
    corpus = corpus_fingerprint(corpus_dir)
    config_hash = indexing_config_hash(config)
    embedder = make_embedder(spec.embedding, root)

    existing = _reusable(index_dir, corpus, config_hash, embedder.identity)
    if existing is not None:
        return IndexReport(
            index_dir=str(index_dir),
            reused_index=True,
            documents=existing.document_count,
            chunks=existing.chunk_count,
            embedded=0,
            reused=existing.chunk_count,
            corrupt_cache_entries=0,
            problems=[LoadProblem(**p) for p in existing.problems],
            seconds=time.perf_counter() - started,
        )

    loaded = _load(config, corpus_dir, report_progress)
    plan = split_plan(
        spec.splitter.chunk_size,
        spec.splitter.chunk_overlap,
        spec.splitter.separator,
        embedder.max_tokens,
        embedder.tokenizer.special_tokens,
    )
    report_progress("chunk", 0, len(loaded.documents))
    chunks = split_documents(loaded.documents, plan, embedder.tokenizer)
    report_progress("chunk", len(loaded.documents), len(loaded.documents))

    with EmbeddingCache(cache_dir) as cache:
        matrix, embedded = _embed(chunks, embedder, cache, spec.embedding.batch_size, report_progress)
        corrupt, reset = cache.corrupt_entries, cache.reset_reason

    report_progress("index", 0, 1)
    vectors = VectorStore.build(matrix, spec.vector_store)
    text = TextIndex.build([c.text for c in chunks])
    manifest = Manifest(
        format=INDEX_FORMAT,
        app=config.name,
        model=embedder.identity,
        normalize=embedder.normalize,
        dimension=vectors.dimension,
        chunk_count=len(chunks),
        document_count=len(loaded.documents),
        chunk_ids=[c.id for c in chunks],
        corpus_fingerprint=corpus,
        indexing_config_hash=config_hash,
        indexing_config=indexing_config(config),
        problems=[asdict(p) for p in loaded.problems],
    )
    _write(index_dir, manifest, chunks, vectors, text)
    report_progress("index", 1, 1)
    return IndexReport(
        index_dir=str(index_dir),
        reused_index=False,
        documents=len(loaded.documents),
        chunks=len(chunks),
        embedded=embedded,
        reused=len(chunks) - embedded,
        corrupt_cache_entries=corrupt,
        problems=loaded.problems,
        notes=[reset] if reset else [],
        seconds=time.perf_counter() - started,
    )


def load_index(index_dir: Path) -> Index:
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise UsageError(f"no index in {index_dir}: build it with 'ragops index <config>'")
    try:
        with (index_dir / CHUNKS).open(encoding="utf-8") as handle:
            chunks = [Chunk(**json.loads(line)) for line in handle]
        vectors = VectorStore.load(index_dir)
        text = TextIndex.load(index_dir, len(chunks))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise ValidationFailed(f"the index in {index_dir} is damaged ({exc}): rebuild it with 'ragops index'") from exc
    if [c.id for c in chunks] != manifest.chunk_ids or vectors.index.ntotal != len(chunks):
        raise ValidationFailed(f"the index in {index_dir} does not match its manifest: rebuild it with 'ragops index'")
    return Index(index_dir, manifest, chunks, vectors, text)
