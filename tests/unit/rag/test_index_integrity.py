"""A damaged index is never served: every file is checked against the manifest, chunk texts against their ids.

Each case damages one file of a built index in one way — truncated, a range zeroed keeping the size, a record
edited, or replaced by the same file of another valid index — and asserts that ``load_index`` refuses it naming
the file and the fix, and that the next ``build_index`` rebuilds (saying why) instead of reusing it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ragops.config.models import AppConfig
from ragops.errors import UsageError, ValidationFailed
from ragops.rag.hashing import index_id, indexing_config_hash
from ragops.rag.index import IndexReport, build_index, load_index, verify_index
from tests.support.corpus import DOCS, write_corpus

SMALL = {"splitter": {"chunk_size": 24, "chunk_overlap": 4}}
FILES = [
    "chunks.jsonl",
    "vectors.faiss",
    "bm25/params.index.json",
    "bm25/vocab.index.json",
    "bm25/data.csc.index.npy",
    "bm25/indices.csc.index.npy",
    "bm25/indptr.csc.index.npy",
    "manifest.json",
]


def _config(corpus: str) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "tiny"},
            "spec": {"data": {"corpus": corpus, "testsets": ["t.jsonl"]}, **SMALL},
        }
    )


class Built:
    """One pristine index of the sample corpus and one of another corpus, built once for the module."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.config = _config("docs")
        write_corpus(root / "docs", DOCS)
        write_corpus(root / "other", {"a.txt": "Ferrets can catch influenza. " * 6, "b.md": "Ticks carry Lyme."})
        self.build(root / "pristine")
        build_index(_config("other"), root / "other", root / "foreign", root / "cache")

    def build(self, index_dir: Path) -> IndexReport:
        return build_index(self.config, self.root / "docs", index_dir, self.root / "cache")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return Built(tmp_path_factory.mktemp("integrity"))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _zero_range(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(len(data[middle : middle + 16]))
    path.write_bytes(bytes(data))


def _edit_record(path: Path) -> None:
    if path.name == "params.index.json":
        path.write_text("{}", encoding="utf-8")  # used to be a traceback
    elif path.suffix in {".json", ".jsonl"}:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("e", "E", 1), encoding="utf-8")  # still valid JSON, one value changed
    else:
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01  # the last byte: a number in the array, the format still parses
        path.write_bytes(bytes(data))


Damage = Callable[[Path], None]
DAMAGES: dict[str, Damage] = {"truncate": _truncate, "zero-range": _zero_range, "edit-record": _edit_record}


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("how", [*DAMAGES, "replace"])
def test_damage_is_refused_then_rebuilt(built: Built, tmp_path: Path, name: str, how: str) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built.root / "pristine", index_dir)
    target = index_dir / name
    if how == "replace":
        shutil.copyfile(built.root / "foreign" / name, target)
    else:
        DAMAGES[how](target)
    with pytest.raises(ValidationFailed, match=r"is damaged: .*ragops index CONFIG") as caught:
        load_index(index_dir)
    assert name.split("/")[-1] in caught.value.message or name == "manifest.json" or "chunk" in caught.value.message

    report = built.build(index_dir)
    assert not report.reused_index and report.embedded == 0, "rebuilt, every vector from the cache"
    if (name, how) != ("manifest.json", "replace"):  # another app's intact manifest reads as out of date
        assert any("damaged" in note for note in report.notes), report.notes
    again = load_index(index_dir)
    assert [c.text for c in again.chunks] == [c.text for c in load_index(built.root / "pristine").chunks]
    assert built.build(index_dir).reused_index


def test_an_edited_chunk_with_a_matching_checksum_is_caught_by_its_content_hash(built: Built, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built.root / "pristine", index_dir)
    chunks = index_dir / "chunks.jsonl"
    lines = chunks.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[0])
    record["text"] = record["text"].replace(record["text"][:5], "XXXXX", 1)
    lines[0] = json.dumps(record)
    chunks.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["chunks.jsonl"] = hashlib.sha256(chunks.read_bytes()).hexdigest()
    (index_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ValidationFailed, match=f"chunk {record['id']} .* does not match its id"):
        verify_index(index_dir)


def test_a_missing_file_is_damage_and_a_missing_index_a_usage_error(built: Built, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    shutil.copytree(built.root / "pristine", index_dir)
    (index_dir / "vectors.faiss").unlink()
    with pytest.raises(ValidationFailed, match=r"vectors\.faiss cannot be read"):
        load_index(index_dir)
    with pytest.raises(UsageError, match="no index in"):
        load_index(tmp_path / "nowhere")


def test_the_manifest_names_every_file_and_the_index_id(built: Built) -> None:
    manifest = verify_index(built.root / "pristine")
    assert sorted(manifest.files) == sorted(n for n in FILES if n != "manifest.json")
    assert manifest.index_id == index_id(manifest.corpus_fingerprint, indexing_config_hash(built.config))
    stored = json.loads((built.root / "pristine" / "manifest.json").read_text(encoding="utf-8"))
    assert stored["index_id"] == manifest.index_id
