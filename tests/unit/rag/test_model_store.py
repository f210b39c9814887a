"""Models resolve offline: a folder, a packaged model, or the Hugging Face cache snapshot that refs/main names."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.rag import model_store

REPO = "acme/tiny-encoder"
OLD = "0a" * 20  # lexically lower, and the one refs/main names
NEW = "f0" * 20


def _hub_cache(hub: Path, main: str | None) -> Path:
    """The layout huggingface_hub writes: blobs/ hold the files, snapshots/<commit>/ link to them, refs/main
    names the commit the branch pointed at when it was downloaded."""
    repo = hub / f"models--{REPO.replace('/', '--')}"
    for n, commit in enumerate([OLD, NEW]):
        blob = repo / "blobs" / f"blob{n}"
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_text(f'{{"commit": "{commit}"}}', encoding="utf-8")
        snapshot = repo / "snapshots" / commit
        snapshot.mkdir(parents=True)
        (snapshot / "config.json").symlink_to(Path("..", "..", "blobs", blob.name))
    if main is not None:
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(main, encoding="utf-8")
    return repo


def test_the_cache_resolves_to_the_snapshot_refs_main_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _hub_cache(tmp_path / "hub", main=OLD)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    found = model_store.local_model_path(REPO)
    assert found == repo / "snapshots" / OLD
    assert found is not None and OLD in (found / "config.json").read_text(encoding="utf-8")


def test_hf_home_locates_the_cache_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _hub_cache(tmp_path / "home" / "hub", main=NEW)
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert model_store.local_model_path(REPO) == repo / "snapshots" / NEW


def test_a_cache_without_refs_main_or_without_the_model_needs_a_download(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hub_cache(tmp_path / "hub", main=None)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    assert model_store.local_model_path(REPO) is None  # no commit is "main": do not guess one
    assert model_store.local_model_path("acme/absent") is None


def test_a_folder_on_disk_wins(tmp_path: Path) -> None:
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}", encoding="utf-8")
    assert model_store.local_model_path("model", root=tmp_path) == tmp_path / "model"
