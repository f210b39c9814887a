"""The artifact store: put and get content-addressed index archives through fsspec (file://, s3://, gs://, …).

A store is a folder URI; an artifact lives at ``<store>/sha256-<hex>.tar``. S3-compatible servers (MinIO, moto,
Ceph) are reached with an endpoint URL, from ``--endpoint-url`` or ``AWS_ENDPOINT_URL``; credentials come from the
usual ``AWS_*`` variables (or any source botocore reads). Since an artifact's name is its content, a publish that
finds the name already present uploads nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

from ragops.artifacts.archive import artifact_name
from ragops.errors import InfrastructureError, RagopsError, UsageError

_BLOCK = 1 << 20


def _options(uri: str, endpoint_url: str | None) -> dict[str, Any]:
    protocol = uri.split("://", 1)[0] if "://" in uri else "file"
    if protocol in {"s3", "s3a"}:
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        return {"client_kwargs": {"endpoint_url": endpoint}} if endpoint else {}
    if endpoint_url:
        raise UsageError(f"--endpoint-url applies to s3:// stores, not to {uri}")
    return {}


def _filesystem(uri: str, endpoint_url: str | None) -> tuple[fsspec.AbstractFileSystem, str]:
    try:
        fs, path = fsspec.core.url_to_fs(uri, **_options(uri, endpoint_url))
    except ImportError as exc:
        raise UsageError(f"no storage library for {uri}: {exc}") from exc
    except ValueError as exc:
        raise UsageError(f"not a store URI: {uri} ({exc})") from exc
    return fs, str(path)


def artifact_uri(store: str, hex_digest: str) -> str:
    return f"{store.rstrip('/')}/{artifact_name(hex_digest)}"


# Errors of the storage clients share no base class with OSError; they are told apart by their module.
_CLIENT_MODULES = {"botocore", "aiobotocore", "aiohttp", "s3fs", "gcsfs", "google"}


@contextmanager
def _store_errors(uri: str) -> Iterator[None]:
    """Turn a storage client's failure into an InfrastructureError naming the store (exit 3)."""
    try:
        yield
    except RagopsError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError | ValueError) or type(exc).__module__.split(".")[0] in _CLIENT_MODULES:
            raise InfrastructureError(
                f"the artifact store at {uri} is unreachable or refused the request: {exc}"
            ) from exc
        raise


def put(local: Path, store: str, hex_digest: str, endpoint_url: str | None = None) -> tuple[str, bool]:
    """Upload ``local`` as ``<store>/sha256-<hex>.tar``; return (its URI, whether anything was uploaded)."""
    uri = artifact_uri(store, hex_digest)
    fs, path = _filesystem(uri, endpoint_url)
    with _store_errors(uri):
        if fs.exists(path):
            return uri, False
        parent = path.rsplit("/", 1)[0]
        if isinstance(fs, LocalFileSystem):
            # A local copy is not atomic: write beside it and rename, so the name never holds a partial file.
            fs.makedirs(parent, exist_ok=True)
            partial = f"{path}.partial-{uuid.uuid4().hex}"
            fs.put_file(str(local), partial)
            fs.mv(partial, path)
        else:
            # An object store makes an object visible only once its upload completes.
            fs.put_file(str(local), path)
    return uri, True


def get(
    uri: str, target: BinaryIO, endpoint_url: str | None = None, on_block: Callable[[bytes], None] | None = None
) -> None:
    """Stream the object at ``uri`` into ``target`` (calling ``on_block`` on each block, e.g. to hash it)."""
    fs, path = _filesystem(uri, endpoint_url)
    with _store_errors(uri):
        if not fs.exists(path):
            raise UsageError(f"no artifact at {uri}: publish it first ('ragops index CONFIG --publish STORE')")
        with fs.open(path, "rb") as source:
            while block := source.read(_BLOCK):
                if on_block is not None:
                    on_block(block)
                target.write(block)
