"""Data by content hash: manifests that name files by md5 in content-addressed object stores, and the code that
materialises them into a folder inside a pipeline step.

A store is laid out as DVC 3 lays out a remote: an object with md5 ``abcd…`` lives at
``<store>/ab/cd…``, where ``<store>`` is ``<remote URL>/files/md5`` (``dvc.data_cloud.Remote.odb``). A folder is a
``.dir`` object: the JSON listing ``[{"md5": …, "relpath": …}, …]`` whose md5 is the folder's fingerprint. So a
DVC-tracked corpus is read straight from the team's DVC remote, and git-held data is uploaded once, in the same
layout, under the pipeline root (``<pipeline_root>/ragops-data/files/md5``): an object already there is never
uploaded again.

A manifest is a pipeline parameter (JSON). It holds URIs and hashes only — never credentials: the step's
filesystem (fsspec) reads those from its environment (``AWS_*``/``AWS_ENDPOINT_URL``, a mounted Kubernetes secret,
or the pod's cloud identity).
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ragops.data.fingerprint import md5_bytes
from ragops.data.tracked import DIR_SUFFIX
from ragops.errors import InfrastructureError, ValidationFailed

# Files fetched at once; object stores answer many small requests in parallel far faster than one by one.
_WORKERS = 16
_MAX_LISTED = 10
DVC_PUSH_HINT = "run `dvc push` (or `ragops data push`) where the data was added, then submit again"


class ManifestEntry(BaseModel):
    """One thing to put into the materialised folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="Where it goes, relative to the folder ('' = the folder itself, for a .dir).")
    store: str = Field(description="A content-addressed store (URI), or with md5 '' a folder or file copied as is.")
    md5: str = Field("", description="Object id in the store; an id ending in .dir expands to its listing.")
    subdir: str = Field("", description="Only this part of a .dir listing (a corpus inside a tracked folder).")
    label: str = Field(description="What to call it in errors: its path in the repository.")
    hint: str = Field("", description="How to fix a missing object.")
    storage_options: dict[str, Any] = Field(default_factory=dict, description="Non-secret fsspec options.")


class DataManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: list[ManifestEntry]


def object_path(store: str, md5: str) -> str:
    """Where DVC keeps object ``md5`` in ``store`` (``<store>/ab/cdef…``)."""
    return f"{store.rstrip('/')}/{md5[:2]}/{md5[2:]}"


def listing_bytes(files: Mapping[str, str]) -> bytes:
    """A ``.dir`` object's bytes for ``{relpath: md5}``, as DVC writes it; its md5 is the folder's fingerprint."""
    listing = [{"md5": md5, "relpath": relpath} for relpath, md5 in sorted(files.items())]
    return json.dumps(listing, sort_keys=True).encode("utf-8")


def open_fs(uri: str, options: Mapping[str, Any]) -> tuple[Any, str]:
    import fsspec

    try:
        # A fresh instance: fsspec's cache would keep the endpoint and credentials of the environment it first saw.
        fs, path = fsspec.core.url_to_fs(uri, skip_instance_cache=True, **options)
    except (ImportError, ValueError) as exc:
        raise InfrastructureError(f"cannot open {uri}: {exc}") from exc
    return fs, path


def is_local(fs: Any) -> bool:
    protocols = (fs.protocol,) if isinstance(fs.protocol, str) else tuple(fs.protocol)
    return "file" in protocols or "local" in protocols


def _safe_relpath(relpath: str, label: str) -> PurePosixPath:
    rel = PurePosixPath(relpath)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValidationFailed(f"{label}: the listing names {relpath!r}, which leaves its folder")
    return rel


def read_listing(store: str, md5: str, options: Mapping[str, Any], label: str, hint: str) -> dict[str, str]:
    """The ``{relpath: md5}`` a ``.dir`` object lists."""
    fs, root = open_fs(store, options)
    try:
        raw = fs.cat_file(object_path(root, md5))
    except FileNotFoundError:
        raise ValidationFailed(
            f"{label}: the folder listing {md5} is not in {store}; {hint or 'upload it and submit again'}"
        ) from None
    except OSError as exc:
        raise InfrastructureError(f"cannot read {store}: {exc}") from exc
    return {str(e["relpath"]): str(e["md5"]) for e in json.loads(raw)}


def _fetch(fs: Any, source: str, target: Path) -> bool:
    """Copy one object to ``target``; False when it is not in the store."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fs.get_file(source, str(target))
    except FileNotFoundError:
        return False
    return True


def _fetch_objects(entry: ManifestEntry, files: Mapping[str, str], target: Path) -> None:
    fs, root = open_fs(entry.store, entry.storage_options)
    jobs = {rel: (object_path(root, md5), target / _safe_relpath(rel, entry.label)) for rel, md5 in files.items()}
    try:
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            found = dict(zip(jobs, pool.map(lambda job: _fetch(fs, *job), jobs.values()), strict=True))
    except OSError as exc:
        raise InfrastructureError(f"cannot read {entry.store}: {exc}") from exc
    missing = sorted(rel for rel, ok in found.items() if not ok)
    if missing:
        names = [f"{entry.label}/{rel}" if entry.md5.endswith(DIR_SUFFIX) else entry.label for rel in missing]
        more = f" and {len(names) - _MAX_LISTED} more" if len(names) > _MAX_LISTED else ""
        raise ValidationFailed(
            f"{len(names)} file(s) are not in {entry.store}: {', '.join(names[:_MAX_LISTED])}{more}; "
            f"{entry.hint or 'upload them and submit again'}"
        )


def _copy_as_is(entry: ManifestEntry, target: Path) -> None:
    fs, root = open_fs(entry.store, entry.storage_options)
    try:
        if fs.isfile(root):
            target.parent.mkdir(parents=True, exist_ok=True)
            fs.get_file(root, str(target))
            return
        sources = [p for p in fs.find(root) if not fs.isdir(p)]
    except OSError as exc:
        raise InfrastructureError(f"cannot read {entry.store}: {exc}") from exc
    if not sources:
        raise ValidationFailed(f"{entry.label}: nothing at {entry.store}")
    base = PurePosixPath(root.rstrip("/"))
    for source in sources:
        rel = PurePosixPath(source).relative_to(base)
        destination = target / rel
        destination.parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(source, str(destination))


def materialise(manifest: DataManifest, folder: Path) -> int:
    """Put every entry of ``manifest`` into ``folder``; returns the number of files there.

    A missing object raises ``ValidationFailed`` naming the file and the fix; an unreachable store
    ``InfrastructureError``."""
    folder.mkdir(parents=True, exist_ok=True)
    for entry in manifest.entries:
        target = folder / _safe_relpath(entry.path, entry.label) if entry.path else folder
        if not entry.md5:
            _copy_as_is(entry, target)
        elif entry.md5.endswith(DIR_SUFFIX):
            listing = read_listing(entry.store, entry.md5, entry.storage_options, entry.label, entry.hint)
            if entry.subdir:
                prefix = entry.subdir.rstrip("/") + "/"
                listing = {rel[len(prefix) :]: md5 for rel, md5 in listing.items() if rel.startswith(prefix)}
            _fetch_objects(entry, listing, target)
        else:
            _fetch_objects(entry, {target.name: entry.md5}, target.parent)
    return sum(1 for p in folder.rglob("*") if p.is_file())


def materialise_json(manifest_json: str, folder: str) -> int:
    """:func:`materialise` over the JSON a pipeline parameter carries."""
    return materialise(DataManifest.model_validate_json(manifest_json), Path(folder))


# --- the client side: what the store lacks, and uploading git-held data ---------------------------------------


def missing_objects(store: str, oids: Iterable[str], options: Mapping[str, Any] | None = None) -> set[str]:
    """Which of ``oids`` the store does not hold."""
    fs, root = open_fs(store, options or {})
    wanted = sorted(set(oids))
    try:
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            present = list(pool.map(lambda oid: bool(fs.exists(object_path(root, oid))), wanted))
    except OSError as exc:
        raise InfrastructureError(f"cannot reach {store}: {exc}") from exc
    return {oid for oid, ok in zip(wanted, present, strict=True) if not ok}


def upload_objects(store: str, objects: Mapping[str, Path | bytes], options: Mapping[str, Any] | None = None) -> int:
    """Put each ``{md5: file or bytes}`` into the store unless it is there already; returns how many were new."""
    fs, root = open_fs(store, options or {})
    new = missing_objects(store, objects, options)

    def put(oid: str) -> None:
        source = objects[oid]
        destination = object_path(root, oid)
        if is_local(fs):  # a folder store needs its folders; object stores have none
            fs.makedirs(posixpath.dirname(destination), exist_ok=True)
        if isinstance(source, bytes):
            fs.pipe_file(destination, source)
        else:
            fs.put_file(str(source), destination)

    try:
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            list(pool.map(put, sorted(new)))
    except OSError as exc:
        raise InfrastructureError(f"cannot upload to {store}: {exc}") from exc
    return len(new)


def folder_objects(files: Mapping[str, str], folder: Path) -> tuple[str, dict[str, Path | bytes]]:
    """The ``.dir`` id of a folder whose files are ``{relpath: md5}``, and every object it takes (files + listing)."""
    listing = listing_bytes(files)
    dir_id = md5_bytes(listing) + DIR_SUFFIX
    objects: dict[str, Path | bytes] = {md5: folder / rel for rel, md5 in files.items()}
    objects[dir_id] = listing
    return dir_id, objects
