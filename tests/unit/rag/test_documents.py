"""Loading a corpus: one reader per file type, ids per ragops.corpus, every unreadable file reported."""

from __future__ import annotations

from pathlib import Path

from ragops.config.models import LoaderSpec
from ragops.rag.documents import load_corpus
from tests.support.corpus import DOCS, write_corpus


def test_reads_every_supported_type_with_stable_ids(tmp_path: Path) -> None:
    write_corpus(tmp_path, DOCS)
    loaded = load_corpus(tmp_path, LoaderSpec())
    by_id = {d.id: d for d in loaded.documents}
    assert sorted(by_id) == ["bats", "masks", "notes/records/r1", "notes/records/r2", "vaccines"]
    assert loaded.problems == []
    assert "var x" not in by_id["bats"].text and "Horseshoe bats" in by_id["bats"].text
    assert by_id["notes/records/r1"].text.startswith("Incubation\n\nThe incubation period")
    assert by_id["masks"].text == DOCS["masks.md"]


def test_unreadable_files_are_reported_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "broken.jsonl").write_text('{"id": 1, "text": "ok"}\n{not json\n', encoding="utf-8")
    (tmp_path / "fake.pdf").write_bytes(b"not a pdf at all")
    (tmp_path / "table.xlsx").write_bytes(b"\x00")
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "good.txt").write_text("fine", encoding="utf-8")
    loaded = load_corpus(tmp_path, LoaderSpec())
    reasons = {p.path: p.reason for p in loaded.problems}
    assert [d.id for d in loaded.documents] == ["good"]
    assert "not UTF-8" in reasons["latin1.txt"]
    assert reasons["broken.jsonl"].startswith("line 2: invalid JSON")
    assert "PDF" in reasons["fake.pdf"]
    assert "no reader for .xlsx" in reasons["table.xlsx"]
    assert "no text" in reasons["empty.md"]


def test_duplicate_ids_are_a_problem_not_an_overwrite(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"a.txt": "first", "a.md": "second"})
    loaded = load_corpus(tmp_path, LoaderSpec())
    assert len(loaded.documents) == 1
    assert "also used by" in loaded.problems[0].reason


def test_forced_reader_and_include_patterns(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"a.html": "<p>kept as markup</p>", "b.txt": "other"})
    loaded = load_corpus(tmp_path, LoaderSpec(type="text", include=["*.html"]))
    assert [(d.id, d.text) for d in loaded.documents] == [("a", "<p>kept as markup</p>")]
