"""Publishing an index as a content-addressed artifact and fetching one back: the use cases behind the CLI."""

from __future__ import annotations

from pathlib import Path

from ragops.artifacts.transfer import Fetched, Published, fetch, publish


def publish_index(index_dir: Path, store_uri: str, endpoint_url: str | None = None) -> Published:
    """Pack ``index_dir`` deterministically and store it as ``<store_uri>/sha256-<hex>.tar``."""
    return publish(index_dir, store_uri, endpoint_url)


def fetch_artifact(uri: str, digest: str, into: Path, endpoint_url: str | None = None) -> Fetched:
    """Download, verify and atomically unpack the artifact ``digest`` from ``uri`` into ``into``."""
    return fetch(uri, digest, into, endpoint_url)
