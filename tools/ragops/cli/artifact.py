"""``ragops artifact publish|fetch``: move content-addressed index artifacts between folders and stores."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ragops.app.artifacts import fetch_artifact, publish_index
from ragops.errors import EXIT_OK

_ENDPOINT_HELP = "S3-compatible endpoint (MinIO, …); default: $AWS_ENDPOINT_URL"


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "artifact",
        help="publish or fetch index artifacts (content-addressed, verified)",
        description="Index artifacts are deterministic tar archives named by their sha256, in a store reached "
        "through fsspec: file://, s3:// (AWS_* credentials; --endpoint-url for S3-compatible servers), gs://.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    publish = actions.add_parser("publish", help="pack an index folder and put it in a store")
    publish.add_argument("index_dir", type=Path, help="a built index folder")
    publish.add_argument("store", help="store URI, e.g. file:///srv/artifacts or s3://bucket/prefix")
    publish.add_argument("--endpoint-url", help=_ENDPOINT_HELP)
    publish.add_argument("--json", action="store_true", help="print the result as JSON")
    publish.set_defaults(run=run_publish)

    fetch = actions.add_parser("fetch", help="download, verify and unpack an artifact into a folder")
    fetch.add_argument("uri", help="the artifact's URI (…/sha256-<hex>.tar), or the store that holds it")
    fetch.add_argument("--digest", required=True, help="sha256:<hex>: the artifact is refused unless it matches")
    fetch.add_argument("--into", type=Path, required=True, help="the folder to unpack into (replaced atomically)")
    fetch.add_argument("--endpoint-url", help=_ENDPOINT_HELP)
    fetch.add_argument("--json", action="store_true", help="print the result as JSON")
    fetch.set_defaults(run=run_fetch)


def run_publish(args: argparse.Namespace) -> int:
    published = publish_index(args.index_dir, args.store, args.endpoint_url)
    if args.json:
        print(json.dumps(published.to_dict(), indent=2))
    else:
        print(published.digest)
        print(published.uri)
    return EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    fetched = fetch_artifact(args.uri, args.digest, args.into, args.endpoint_url)
    if args.json:
        print(json.dumps(fetched.to_dict(), indent=2))
    elif fetched.already_present:
        print(f"{fetched.folder} already holds {fetched.digest}: nothing downloaded")
    else:
        print(f"fetched {fetched.digest} ({fetched.size} bytes, {fetched.files} files) into {fetched.folder}")
    return EXIT_OK
