"""Building, reusing and loading an index: only new or changed chunks are embedded, and the cache is trustworthy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ragops.config.models import AppConfig
from ragops.data.fingerprint import corpus_fingerprint
from ragops.errors import InfrastructureError, ValidationFailed
from ragops.rag.hashing import indexing_config_hash
from ragops.rag.index import build_index, load_index, load_text_index

MakeApp = Callable[..., tuple[AppConfig, Path]]
SMALL = {"splitter": {"chunk_size": 24, "chunk_overlap": 4}}


def _build(config: AppConfig, root: Path, events: list[str] | None = None):  # type: ignore[no-untyped-def]
    def progress(stage: str, done: int, total: int) -> None:
        if events is not None:
            events.append(stage)

    return build_index(config, root / config.spec.data.corpus, root / "index", root / "cache", progress, root=root)


def test_second_run_reuses_the_index_and_embeds_nothing(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    events: list[str] = []
    first = _build(config, root, events)
    assert not first.reused_index and first.embedded == first.chunks > 5 and first.documents == 5
    assert {"load", "chunk", "embed", "index"} <= set(events)
    second = _build(config, root)
    assert second.reused_index and second.embedded == 0 and second.reused == first.chunks


def test_touching_one_document_embeds_only_its_changed_chunks(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    _build(config, root)
    before = load_index(root / "index")
    path = root / "docs" / "vaccines.txt"
    path.write_text(path.read_text(encoding="utf-8") + " A booster dose was approved later.", encoding="utf-8")
    report = _build(config, root)
    after = load_index(root / "index")
    old_texts = {c.text for c in before.chunks}
    changed = [c for c in after.chunks if c.text not in old_texts]
    assert changed and {c.doc_id for c in changed} == {"vaccines"}
    assert report.embedded == len(changed)
    assert report.reused == report.chunks - len(changed)


def test_settings_that_do_not_touch_the_index_reuse_it(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    _build(config, root)
    other, _ = make_app(
        **SMALL,
        retrieval={"mode": "text", "top_k": 2},
        prompt={"template": "{context}\n{question}"},
        llm={"provider": "openai", "model": "m"},
        embedding={"batch_size": 3},
    )
    assert indexing_config_hash(other) == indexing_config_hash(config)
    assert _build(other, root).reused_index


def test_a_splitter_change_rebuilds_from_the_cache_where_it_can(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    first = _build(config, root)
    config2, _ = make_app(splitter={"chunk_size": 24, "chunk_overlap": 8})
    report = _build(config2, root)
    assert not report.reused_index
    assert 0 < report.embedded < report.chunks, "chunks the two settings share come from the cache"
    assert first.chunks > 0


def test_a_corrupt_cache_entry_is_recomputed_not_served(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    _build(config, root)
    with sqlite3.connect(root / "cache" / "embeddings.sqlite3") as db:
        db.execute("UPDATE embeddings SET vector = zeroblob(length(vector)) WHERE rowid = 1")
    (root / "index" / "manifest.json").unlink()  # force a rebuild through the cache
    report = _build(config, root)
    assert report.corrupt_cache_entries == 1 and report.embedded == 1


def test_an_unreadable_cache_file_is_moved_aside(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    (root / "cache").mkdir()
    (root / "cache" / "embeddings.sqlite3").write_bytes(b"garbage" * 100)
    report = _build(config, root)
    assert report.embedded == report.chunks
    assert "moved to" in report.notes[0]


def test_manifest_records_model_hashes_and_chunk_ids(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    _build(config, root)
    index = load_index(root / "index")
    manifest = index.manifest
    assert manifest.model.startswith("sentence-transformers:sentence-transformers/all-MiniLM-L6-v2@")
    assert manifest.dimension == 384 and manifest.chunk_count == len(index.chunks)
    assert manifest.chunk_ids == [c.id for c in index.chunks]
    assert manifest.indexing_config_hash == indexing_config_hash(config)
    assert manifest.corpus_fingerprint == corpus_fingerprint(root / "docs")
    assert {c.doc_id for c in index.chunks} == {"bats", "masks", "notes/records/r1", "notes/records/r2", "vaccines"}


def test_unreadable_files_fail_or_are_skipped_by_policy(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    (root / "docs" / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(ValidationFailed, match=r"bad\.txt: not UTF-8"):
        _build(config, root)
    skipping, _ = make_app(**SMALL, loader={"on_error": "skip"})
    report = _build(skipping, root)
    assert [p.path for p in report.problems] == ["bad.txt"] and report.documents == 5


def test_a_model_that_is_not_on_this_machine_is_an_infrastructure_error(make_app: MakeApp) -> None:
    config, root = make_app(embedding={"model": "acme/no-such-model"})
    with pytest.raises(InfrastructureError, match="acme/no-such-model"):
        _build(config, root)


def test_the_text_index_loads_alone_and_is_verified_like_the_whole_index(make_app: MakeApp) -> None:
    config, root = make_app(**SMALL)
    _build(config, root)
    chunks, text = load_text_index(root / "index")
    assert [c.id for c in chunks] == [c.id for c in load_index(root / "index").chunks]
    _, rows = text.search(["mRNA vaccine spike protein"], 1)
    assert chunks[int(rows[0][0])].doc_id == "vaccines"
    # A damaged file is refused here too, naming it (the vectors are checked though they are not loaded).
    (root / "index" / "vectors.faiss").write_bytes(b"damaged")
    with pytest.raises(ValidationFailed, match=r"vectors\.faiss"):
        load_text_index(root / "index")
