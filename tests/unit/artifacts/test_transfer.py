"""Publishing to and fetching from a file:// store: verified, atomic, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.artifacts.archive import folder_digest
from ragops.artifacts.transfer import fetch, publish
from ragops.errors import UsageError, ValidationFailed
from tests.support.artifacts import fake_index


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_publish_then_fetch_gives_the_same_folder(tmp_path: Path) -> None:
    source = fake_index(tmp_path / "index")
    store = (tmp_path / "store").as_uri()
    published = publish(source, store)
    assert published.digest == folder_digest(source)
    assert published.uri == f"{store}/sha256-{published.digest.removeprefix('sha256:')}.tar"
    assert published.uploaded
    assert not publish(source, store).uploaded  # content-addressed: already there

    into = tmp_path / "deploy" / "index"
    fetched = fetch(published.uri, published.digest, into)
    assert fetched.files == 4 and not fetched.already_present
    assert folder_digest(into) == published.digest
    assert fetch(published.uri, published.digest, into).already_present
    # The store folder works as well as the artifact's own URI.
    other = tmp_path / "deploy2"
    fetch(store, published.digest, other)
    assert folder_digest(other) == published.digest
    assert _leftovers(tmp_path / "deploy") == []


def test_fetch_replaces_an_existing_folder_whole(tmp_path: Path) -> None:
    source = fake_index(tmp_path / "index")
    published = publish(source, (tmp_path / "store").as_uri())
    into = tmp_path / "deploy" / "index"
    into.mkdir(parents=True)
    (into / "stale.txt").write_text("old")
    fetch(published.uri, published.digest, into)
    assert not (into / "stale.txt").exists()
    assert folder_digest(into) == published.digest


def _damage(tmp_path: Path, how: str) -> tuple[str, str]:
    published = publish(fake_index(tmp_path / "index"), (tmp_path / "store").as_uri())
    path = Path(published.uri.removeprefix("file://"))
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "corrupt":
        path.write_bytes(data[:600] + bytes([data[600] ^ 0xFF]) + data[601:])
    else:  # another artifact stored under the name of the digest asked for
        wrong = "0" * 64
        (path.parent / f"sha256-{wrong}.tar").write_bytes(data)
        return path.parent.as_uri(), f"sha256:{wrong}"
    return published.uri, published.digest


@pytest.mark.parametrize("how", ["truncated", "corrupt", "wrong-digest"])
def test_a_damaged_or_wrong_artifact_leaves_nothing_usable(tmp_path: Path, how: str) -> None:
    uri, digest = _damage(tmp_path, how)
    into = tmp_path / "deploy" / "index"
    with pytest.raises(ValidationFailed, match="digest"):
        fetch(uri, digest, into)
    assert not into.exists()
    assert _leftovers(tmp_path / "deploy") == []


def test_a_damaged_fetch_keeps_the_previous_good_folder(tmp_path: Path) -> None:
    good = publish(fake_index(tmp_path / "index"), (tmp_path / "good").as_uri())
    into = tmp_path / "deploy" / "index"
    fetch(good.uri, good.digest, into)
    (tmp_path / "index" / "chunks.jsonl").write_text('{"id": "c9"}\n')
    newer = publish(tmp_path / "index", (tmp_path / "store").as_uri())
    path = Path(newer.uri.removeprefix("file://"))
    path.write_bytes(path.read_bytes()[:-1024])
    with pytest.raises(ValidationFailed):
        fetch(newer.uri, newer.digest, into)
    assert folder_digest(into) == good.digest


def test_an_artifact_named_for_another_digest_is_refused_before_download(tmp_path: Path) -> None:
    published = publish(fake_index(tmp_path / "index"), (tmp_path / "store").as_uri())
    with pytest.raises(ValidationFailed, match="named for another digest"):
        fetch(published.uri, "sha256:" + "1" * 64, tmp_path / "x")


def test_missing_artifact_and_missing_index_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no artifact"):
        fetch((tmp_path / "empty").as_uri(), "sha256:" + "2" * 64, tmp_path / "x")
    (tmp_path / "notindex").mkdir()
    with pytest.raises(UsageError, match=r"manifest\.json missing"):
        publish(tmp_path / "notindex", (tmp_path / "store").as_uri())
