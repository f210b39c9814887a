"""Data by content hash on a folder store (DVC's layout): upload once, materialise, subfolders, damage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.data.fingerprint import corpus_fingerprint, folder_hashes
from ragops.errors import ValidationFailed
from ragops.pipelines.objects import (
    DVC_PUSH_HINT,
    DataManifest,
    ManifestEntry,
    folder_objects,
    listing_bytes,
    materialise,
    object_path,
    upload_objects,
)


def _corpus(folder: Path) -> Path:
    for rel, text in {"a.txt": "alpha\n", "sub/b.txt": "beta\n", "sub/c.md": "# gamma\n"}.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    return folder


def test_a_folder_uploads_once_in_dvc_layout_and_materialises_identically(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "docs")
    store = str(tmp_path / "store")
    hashes = folder_hashes(corpus)
    dir_id, objects = folder_objects(hashes.files, corpus)
    assert dir_id == corpus_fingerprint(corpus)  # the .dir object's id is the fingerprint reports record
    assert upload_objects(store, objects) == 4  # three files and the listing
    assert upload_objects(store, objects) == 0  # already there: nothing is uploaded again
    assert Path(object_path(store, hashes.files["a.txt"])).read_text() == "alpha\n"
    listing = json.loads(Path(object_path(store, dir_id)).read_bytes())
    assert listing == [{"md5": md5, "relpath": rel} for rel, md5 in sorted(hashes.files.items())]

    entry = ManifestEntry(path="", store=store, md5=dir_id, label="datasets/c/docs", hint=DVC_PUSH_HINT)
    assert materialise(DataManifest(entries=[entry]), tmp_path / "pod") == 3
    assert corpus_fingerprint(tmp_path / "pod") == dir_id

    only_sub = entry.model_copy(update={"subdir": "sub"})
    assert materialise(DataManifest(entries=[only_sub]), tmp_path / "pod-sub") == 2
    assert (tmp_path / "pod-sub" / "b.txt").read_text() == "beta\n"


def test_single_files_and_folders_copied_as_is(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "docs")
    store = str(tmp_path / "store")
    md5 = folder_hashes(corpus).files["a.txt"]
    upload_objects(store, {md5: corpus / "a.txt"})
    manifest = DataManifest(
        entries=[
            ManifestEntry(path="t.jsonl", store=store, md5=md5, label="datasets/c/testsets/t.jsonl"),
            ManifestEntry(path="copied", store=str(corpus / "sub"), label="--corpus-uri"),
        ]
    )
    assert materialise(manifest, tmp_path / "pod") == 3
    assert (tmp_path / "pod" / "t.jsonl").read_text() == "alpha\n"
    assert (tmp_path / "pod" / "copied" / "c.md").read_text() == "# gamma\n"


def test_missing_objects_are_named_with_the_fix(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "docs")
    store = str(tmp_path / "store")
    hashes = folder_hashes(corpus)
    dir_id, objects = folder_objects(hashes.files, corpus)
    upload_objects(store, objects)
    Path(object_path(store, hashes.files["sub/b.txt"])).unlink()
    entry = ManifestEntry(path="", store=store, md5=dir_id, label="datasets/c/docs", hint=DVC_PUSH_HINT)
    with pytest.raises(ValidationFailed, match=r"1 file\(s\) are not in .*: datasets/c/docs/sub/b.txt; run `dvc push`"):
        materialise(DataManifest(entries=[entry]), tmp_path / "pod")
    missing_listing = entry.model_copy(update={"md5": "0" * 32 + ".dir"})
    with pytest.raises(ValidationFailed, match=r"datasets/c/docs: the folder listing 0+\.dir is not in .*dvc push"):
        materialise(DataManifest(entries=[missing_listing]), tmp_path / "pod2")


def test_a_listing_that_leaves_its_folder_is_refused(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    bad = listing_bytes({"../escape.txt": "d41d8cd98f00b204e9800998ecf8427e"})
    upload_objects(store, {"f" * 32 + ".dir": bad, "d41d8cd98f00b204e9800998ecf8427e": b""})
    entry = ManifestEntry(path="", store=store, md5="f" * 32 + ".dir", label="docs")
    with pytest.raises(ValidationFailed, match="leaves its folder"):
        materialise(DataManifest(entries=[entry]), tmp_path / "pod")
    assert not (tmp_path / "escape.txt").exists()
