"""Publishing an index folder to a store and fetching it back into a folder, atomically and verified.

``fetch`` never leaves a usable-looking folder from a partial or corrupt download: the archive is streamed to a
temporary file beside the target while it is hashed, refused unless its digest is the one asked for, unpacked
into a temporary folder beside the target, and only then renamed into place.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ragops.artifacts import store
from ragops.artifacts.archive import artifact_name, digest_in_name, folder_digest, pack, unpack
from ragops.errors import UsageError, ValidationFailed
from ragops.files import replace_folder, temporary_sibling
from ragops.hashing import parse_digest, to_digest
from ragops.rag.index import MANIFEST


@dataclass(frozen=True)
class Published:
    digest: str  # sha256:<hex>
    uri: str  # where the archive lives
    size: int  # bytes
    uploaded: bool  # False when the store already held this exact artifact

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Fetched:
    digest: str
    uri: str
    folder: str
    files: int
    size: int
    already_present: bool  # the folder already held this exact index, nothing was downloaded

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def publish(index_dir: Path, store_uri: str, endpoint_url: str | None = None) -> Published:
    """Pack ``index_dir`` deterministically and put it in the store under its digest."""
    if not (index_dir / MANIFEST).is_file():
        raise UsageError(f"{index_dir} holds no index ({MANIFEST} missing): build it with 'ragops index CONFIG'")
    with tempfile.TemporaryDirectory(prefix="ragops-artifact-") as scratch:
        local = Path(scratch) / "index.tar"
        with local.open("wb") as handle:
            hex_digest, size = pack(index_dir, handle)
        final = Path(scratch) / artifact_name(hex_digest)
        local.rename(final)
        uri, uploaded = store.put(final, store_uri, hex_digest, endpoint_url)
    return Published(to_digest(hex_digest), uri, size, uploaded)


def resolve_uri(uri: str, hex_digest: str) -> str:
    """An artifact's URI, given either the artifact itself or the store folder that holds it."""
    if uri.endswith(".tar"):
        named = digest_in_name(uri.rstrip("/"))
        if named is not None and named != to_digest(hex_digest):
            raise ValidationFailed(f"{uri} is named for another digest than {to_digest(hex_digest)}")
        return uri
    return store.artifact_uri(uri, hex_digest)


def fetch(uri: str, digest: str, into: Path, endpoint_url: str | None = None) -> Fetched:
    """Download the artifact, verify its digest, unpack it into ``into`` atomically."""
    hex_digest = parse_digest(digest)
    source = resolve_uri(uri, hex_digest)
    expected = to_digest(hex_digest)
    if (into / MANIFEST).is_file() and folder_digest(into) == expected:
        return Fetched(expected, source, str(into), sum(1 for p in into.rglob("*") if p.is_file()), 0, True)
    into.parent.mkdir(parents=True, exist_ok=True)
    download = temporary_sibling(into, "download")
    staging = temporary_sibling(into, "unpack")
    hasher = hashlib.sha256()
    try:
        with download.open("wb") as handle:
            store.get(source, handle, endpoint_url, hasher.update)
        found = to_digest(hasher.hexdigest())
        if found != expected:
            raise ValidationFailed(
                f"the artifact at {source} has digest {found}, not the expected {expected}: it is corrupt, "
                "truncated or not the index you asked for; nothing was unpacked"
            )
        staging.mkdir()
        files = unpack(download, staging)
        if not (staging / MANIFEST).is_file():
            raise ValidationFailed(f"the artifact at {source} holds no {MANIFEST}: it is not an index")
        size = download.stat().st_size
        replace_folder(staging, into)
    finally:
        download.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    return Fetched(expected, source, str(into), files, size, False)
