"""Building, reusing and loading an app's index: chunks, FAISS vectors, BM25 and a manifest, in one folder.

``build_index`` reuses the folder as it is when its manifest records the same corpus hash, indexing-config hash
and embedding-model identity and the folder passes ``verify_index``; otherwise it rebuilds (saying why when the
old index was damaged), taking every vector it can from the embedding cache, so only new or changed chunks are
embedded. A rebuilt index is written to a temporary folder and swapped in, so a crash never leaves a half-written
index where a reader would find it. Builds of one index folder, and embedding into one cache, take a lock
(``rag.locking``): a second concurrent build waits, then reuses the first one's work.

Integrity: the manifest records the sha256 of every other file of the folder. ``verify_index`` (called by
``load_index``, hence by ``query``, ``eval`` and the service) checks them all before anything is parsed — FAISS
and bm25s never see bytes that were not written by ``build_index`` — and checks every chunk's text against its
content-hash id. A damaged index is refused with ``ValidationFailed`` naming the file and the fix.

Layout of an index folder: ``manifest.json``, ``chunks.jsonl`` (one chunk per line, in vector order),
``vectors.faiss``, ``bm25/``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from ragops import tracing
from ragops.config.models import AppConfig
from ragops.data.fingerprint import corpus_fingerprint
from ragops.errors import RagopsError, UsageError, ValidationFailed
from ragops.files import replace_folder, temporary_sibling
from ragops.hashing import file_hash
from ragops.rag.chunking import Chunk, mismatched_chunk, split_documents, split_plan
from ragops.rag.documents import LoadedCorpus, LoadProblem, load_corpus
from ragops.rag.embedding_cache import EmbeddingCache, cache_key
from ragops.rag.embeddings import Embedder, make_embedder
from ragops.rag.hashing import INDEX_FORMAT, index_id, indexing_config, indexing_config_hash
from ragops.rag.locking import exclusive
from ragops.rag.personal_data import PrivacyOutcome
from ragops.rag.redaction import apply_privacy
from ragops.rag.text_index import TextIndex
from ragops.rag.vector_store import VectorStore

Progress = Callable[[str, int, int], None]  # (stage, done, total)

MANIFEST = "manifest.json"
CHUNKS = "chunks.jsonl"
# Texts handed to the model per call: large enough to keep it busy, small enough for steady progress and for
# the cache to keep most of the work when a run is interrupted.
_EMBED_SLICE_BATCHES = 4
# Chunks looked up in the cache and embedded per round: bounds the texts and vectors held besides the matrix.
_EMBED_WINDOW = 8192


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
    # What spec.privacy found and did (counts and rejected document ids, never a value); None without it.
    privacy: PrivacyOutcome | None = Field(None, exclude_if=lambda value: value is None)  # absent: as before
    # sha256 of every other file in the folder (posix relpath → hex), checked before any of them is parsed.
    files: dict[str, str]

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented way to serialise a property
    @property
    def index_id(self) -> str:
        """Which corpus, indexed how (see ``rag.hashing.index_id``); the same for equal indexes anywhere."""
        return index_id(self.corpus_fingerprint, self.indexing_config_hash)


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
    index_id: str
    reused_index: bool  # the folder already held this exact index
    documents: int
    chunks: int
    embedded: int  # chunk texts embedded by this run
    reused: int  # chunks whose vectors came from the cache or the existing index
    corrupt_cache_entries: int
    problems: list[LoadProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    privacy: PrivacyOutcome | None = None  # what spec.privacy found and did

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: nothing to show."""


def read_manifest(index_dir: Path) -> Manifest | None:
    try:
        return Manifest.model_validate_json((index_dir / MANIFEST).read_bytes())
    except (OSError, ValidationError):
        return None


def lock_file(index_dir: Path) -> Path:
    """The lock file of an index folder: beside it, so swapping the folder in and out never touches the lock."""
    return index_dir.with_name(f".{index_dir.name}.lock")


def _files_of(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): file_hash(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


class IndexDamaged(ValidationFailed):
    """An index folder whose files do not match its manifest; ``what`` says which and how."""

    def __init__(self, index_dir: Path, what: str) -> None:
        super().__init__(
            f"the index in {index_dir} is damaged: {what}; it is not served. Rebuild it with 'ragops index CONFIG' "
            "(an unchanged corpus re-embeds nothing: vectors come from the cache)"
        )
        self.what = what


def _damaged(index_dir: Path, what: str) -> IndexDamaged:
    return IndexDamaged(index_dir, what)


def _read_chunks(index_dir: Path) -> list[Chunk]:
    chunks = []
    with (index_dir / CHUNKS).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                chunks.append(Chunk(**json.loads(line)))
            except (ValueError, TypeError) as exc:
                raise _damaged(index_dir, f"{CHUNKS} line {number} is not a chunk ({exc})") from exc
    return chunks


def _verify(index_dir: Path) -> tuple[Manifest, list[Chunk]]:
    manifest_path = index_dir / MANIFEST
    if not manifest_path.is_file():
        raise UsageError(f"no index in {index_dir}: build it with 'ragops index CONFIG'")
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise _damaged(index_dir, f"{MANIFEST} is unreadable or not an index manifest of this ragops version")
    if manifest.format != INDEX_FORMAT:
        raise ValidationFailed(
            f"the index in {index_dir} has format {manifest.format}, this ragops reads format {INDEX_FORMAT}: "
            "rebuild it with 'ragops index CONFIG'"
        )
    if not {CHUNKS, "vectors.faiss"} <= set(manifest.files):
        raise _damaged(index_dir, f"{MANIFEST} does not list the index files")
    for name, expected in sorted(manifest.files.items()):
        path = index_dir / name
        try:
            actual = file_hash(path)
        except OSError as exc:
            raise _damaged(index_dir, f"{name} cannot be read ({exc.strerror or exc})") from exc
        if actual != expected:
            raise _damaged(index_dir, f"{name} does not match the checksum in {MANIFEST}")
    try:
        chunks = _read_chunks(index_dir)
    except (OSError, UnicodeDecodeError) as exc:
        raise _damaged(index_dir, f"{CHUNKS} cannot be read ({exc})") from exc
    if [c.id for c in chunks] != manifest.chunk_ids or len(chunks) != manifest.chunk_count:
        raise _damaged(index_dir, f"{CHUNKS} does not hold the chunks {MANIFEST} lists")
    altered = mismatched_chunk(chunks)
    if altered is not None:
        raise _damaged(index_dir, f"the text of chunk {altered.id} ({altered.doc_id}) does not match its id")
    return manifest, chunks


def verify_index(index_dir: Path) -> Manifest:
    """The manifest of the index in ``index_dir`` once every file matches its checksum and every chunk's text its
    content-hash id. Raises ``UsageError`` when there is no index, ``ValidationFailed`` naming the damaged file
    and the fix otherwise. ``load_index`` calls it; a service can call it alone to check an index cheaply."""
    return _verify(index_dir)[0]


def _reusable(index_dir: Path, corpus: str, config_hash: str, identity: str) -> tuple[Manifest | None, str | None]:
    """(the manifest of an up-to-date, intact index in ``index_dir``, or None; why an existing one was damaged)."""
    if not (index_dir / MANIFEST).is_file():
        return None, None
    manifest = read_manifest(index_dir)
    if manifest is not None:
        wanted = (INDEX_FORMAT, corpus, config_hash, identity)
        if (manifest.format, manifest.corpus_fingerprint, manifest.indexing_config_hash, manifest.model) != wanted:
            return None, None  # out of date, not damaged: a plain rebuild
    try:
        return _verify(index_dir)[0], None
    except IndexDamaged as exc:
        return None, f"the existing index was damaged ({exc.what}): rebuilt it"
    except RagopsError as exc:
        return None, f"the existing index could not be used ({exc.message}): rebuilt it"


def _embed(
    chunks: list[Chunk], embedder: Embedder, cache: EmbeddingCache, batch_size: int, progress: Progress
) -> tuple[np.ndarray, int]:
    """Vectors of ``chunks`` in order, and how many texts had to be embedded (the rest came from the cache).

    Works through ``_EMBED_WINDOW`` chunks at a time into one preallocated matrix, so besides the matrix only one
    window's texts and vectors are held, however large the corpus."""
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32), 0
    keys = [cache_key(embedder.identity, embedder.normalize, c.text) for c in chunks]
    total = len(set(keys) - cache.has_many(keys))
    progress("embed", 0, total)
    matrix = np.empty((0, 0), dtype=np.float32)  # allocated once the first vector gives the dimension
    embedded = 0
    step = batch_size * _EMBED_SLICE_BATCHES
    for window in range(0, len(chunks), _EMBED_WINDOW):
        window_keys = keys[window : window + _EMBED_WINDOW]
        known = cache.get_many(window_keys)
        missing = {
            key: chunk.text for key, chunk in zip(window_keys, chunks[window:], strict=False) if key not in known
        }
        # Longest first, like sentence-transformers within a call: each batch then pads to similar lengths.
        todo = sorted(missing.items(), key=lambda item: len(item[1]), reverse=True)
        for first in range(0, len(todo), step):
            part = todo[first : first + step]
            vectors = embedder.encode([text for _, text in part], batch_size)
            fresh = {key: vector for (key, _), vector in zip(part, vectors, strict=True)}
            cache.put_many(fresh)
            known.update(fresh)
            embedded += len(part)
            progress("embed", min(embedded, total), total)
        if window == 0:
            matrix = np.empty((len(chunks), len(known[window_keys[0]])), dtype=np.float32)
        matrix[window : window + len(window_keys)] = np.stack([known[key] for key in window_keys])
    progress("embed", total, total)
    return matrix, embedded


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


def _apply_privacy(
    config: AppConfig, loaded: LoadedCorpus, corpus_dir: Path, progress: Progress
) -> PrivacyOutcome | None:
    """Redact, reject or count personal data in the loaded documents as ``spec.privacy`` says (before chunking)."""
    spec = config.spec.privacy
    if spec is None:
        return None
    total = len(loaded.documents)
    progress("privacy", 0, total)
    loaded.documents, outcome = apply_privacy(loaded.documents, spec)
    progress("privacy", total, total)
    if not loaded.documents:
        raise ValidationFailed(
            f"no documents to index in {corpus_dir}: all {total} hold personal data and spec.privacy.action is "
            "reject; list them with 'ragops scan', or set the action to redact"
        )
    return outcome


def _write(index_dir: Path, manifest: Manifest, chunks: list[Chunk], vectors: VectorStore, text: TextIndex) -> None:
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = temporary_sibling(index_dir, "building")
    staging.mkdir()
    try:
        with (staging / CHUNKS).open("w", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
        vectors.save(staging)
        text.save(staging)
        manifest = manifest.model_copy(update={"files": _files_of(staging)})
        # The manifest goes last: a folder with a manifest is complete.
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
        replace_folder(staging, index_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_index(
    config: AppConfig,
    corpus_dir: Path,
    index_dir: Path,
    cache_dir: Path,
    progress: Progress | None = None,
    *,
    root: Path | None = None,
    embedder: Embedder | None = None,
) -> IndexReport:
    """Build ``config``'s index of the documents in ``corpus_dir`` into ``index_dir`` (or reuse it when it is up
    to date and intact). ``root`` is where relative model paths are found; ``embedder`` replaces the configured
    model (benchmarks). Holds the index folder's lock for the whole build, so concurrent builds wait and reuse."""
    started = time.perf_counter()
    report_progress = progress or _quiet
    if not corpus_dir.is_dir():
        raise ValidationFailed(f"the corpus folder {corpus_dir} does not exist (spec.data.corpus)")
    spec = config.spec
    config_hash = indexing_config_hash(config)
    embedder = embedder or make_embedder(spec.embedding, root)

    with exclusive(lock_file(index_dir), on_wait=lambda: report_progress("wait", 0, 1)) as waited:
        notes = [f"waited {waited:.0f} s for another ragops building this index"] if waited >= 1 else []
        corpus = corpus_fingerprint(corpus_dir)
        existing, damage = _reusable(index_dir, corpus, config_hash, embedder.identity)
        if existing is not None:
            return IndexReport(
                index_dir=str(index_dir),
                index_id=existing.index_id,
                reused_index=True,
                documents=existing.document_count,
                chunks=existing.chunk_count,
                embedded=0,
                reused=existing.chunk_count,
                corrupt_cache_entries=0,
                problems=[LoadProblem(**p) for p in existing.problems],
                notes=notes,
                seconds=time.perf_counter() - started,
                privacy=existing.privacy,
            )
        notes += [damage] if damage else []

        with tracing.stage("load"):
            loaded = _load(config, corpus_dir, report_progress)
        with tracing.stage("privacy"):
            privacy = _apply_privacy(config, loaded, corpus_dir, report_progress)
        plan = split_plan(
            spec.splitter.chunk_size,
            spec.splitter.chunk_overlap,
            spec.splitter.separator,
            embedder.max_tokens,
            embedder.tokenizer.special_tokens,
        )
        documents = len(loaded.documents)
        report_progress("chunk", 0, documents)
        with tracing.stage("chunk", {"ragops.documents": documents}):
            chunks = split_documents(loaded.documents, plan, embedder.tokenizer)
        loaded.documents.clear()  # the chunks hold what is needed from here on; the texts can go
        report_progress("chunk", documents, documents)

        # One cache may serve several apps: embedding under its lock makes a concurrent run reuse these vectors.
        with (
            tracing.stage("embed", {"ragops.texts": len(chunks)}) as traced,
            exclusive(cache_dir / "embeddings.lock"),
            EmbeddingCache(cache_dir) as cache,
        ):
            matrix, embedded = _embed(chunks, embedder, cache, spec.embedding.batch_size, report_progress)
            traced.set("ragops.embedded", embedded)
            corrupt, reset = cache.corrupt_entries, cache.reset_reason

        report_progress("index", 0, 1)
        vectors = VectorStore.build(matrix, spec.vector_store)
        del matrix  # FAISS holds its own copy
        text = TextIndex.build([c.text for c in chunks])
        manifest = Manifest(
            format=INDEX_FORMAT,
            app=config.name,
            model=embedder.identity,
            normalize=embedder.normalize,
            dimension=vectors.dimension,
            chunk_count=len(chunks),
            document_count=documents,
            chunk_ids=[c.id for c in chunks],
            corpus_fingerprint=corpus,
            indexing_config_hash=config_hash,
            indexing_config=indexing_config(config),
            problems=[asdict(p) for p in loaded.problems],
            files={},  # filled in by _write, from the files as written
            privacy=privacy,
        )
        _write(index_dir, manifest, chunks, vectors, text)
        report_progress("index", 1, 1)
    return IndexReport(
        index_dir=str(index_dir),
        index_id=manifest.index_id,
        reused_index=False,
        documents=documents,
        chunks=len(chunks),
        embedded=embedded,
        reused=len(chunks) - embedded,
        corrupt_cache_entries=corrupt,
        problems=loaded.problems,
        notes=notes + ([reset] if reset else []),
        seconds=time.perf_counter() - started,
        privacy=privacy,
    )


def load_text_index(index_dir: Path) -> tuple[list[Chunk], TextIndex]:
    """The chunks and the BM25 index of the index in ``index_dir``, verified like ``load_index`` but without
    loading the vectors: for scorers that search the corpus by words (FActScore's evidence)."""
    _, chunks = _verify(index_dir)
    try:
        text = TextIndex.load(index_dir, len(chunks))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise _damaged(index_dir, f"its BM25 files cannot be loaded ({type(exc).__name__}: {exc})") from exc
    return chunks, text


def load_index(index_dir: Path) -> Index:
    """The index in ``index_dir``, verified first (``verify_index``): a damaged index is never returned."""
    manifest, chunks = _verify(index_dir)
    try:
        vectors = VectorStore.load(index_dir)
        text = TextIndex.load(index_dir, len(chunks))
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        # Files that match their checksums were written by build_index: this is another ragops or library version.
        raise _damaged(index_dir, f"its files cannot be loaded ({type(exc).__name__}: {exc})") from exc
    if vectors.index.ntotal != len(chunks) or vectors.dimension != manifest.dimension:
        raise _damaged(index_dir, f"vectors.faiss does not hold {len(chunks)} vectors of {manifest.dimension} numbers")
    return Index(index_dir, manifest, chunks, vectors, text)
