"""``ragops index CONFIG``: build or reuse an app's index and say what was embedded and what was reused."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragops import logs
from ragops.app.preflight import load_app
from ragops.config.loader import repo_root_for
from ragops.config.models import AppConfig
from ragops.errors import EXIT_OK
from ragops.progress import ProgressRenderer

if TYPE_CHECKING:  # the index stack (FAISS, the embedding client) takes seconds to import: only when indexing
    from ragops.rag.index import IndexReport


def add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="rag-configs/<app>.yaml")
    parser.add_argument("--index-dir", type=Path, help="where the index lives (default: .ragops/index/<app>)")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache (default: .ragops/cache)")


def load_config(args: argparse.Namespace) -> tuple[AppConfig, Path]:
    root = repo_root_for(args.config)
    config = load_app(args.config, root)
    logs.bind(app=config.name)
    return config, root


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "index",
        help="build or reuse an app's retrieval index",
        description="Load, chunk and embed an app's documents into a FAISS + BM25 index. Unchanged chunks come "
        "from the embedding cache; an index whose corpus and indexing settings are unchanged is reused as is.",
    )
    add_location_options(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--publish",
        metavar="STORE",
        help="then pack the index into a content-addressed artifact in STORE (file://…, s3://…) and print its digest",
    )
    parser.add_argument("--endpoint-url", help="S3-compatible endpoint for --publish (default: $AWS_ENDPOINT_URL)")
    parser.set_defaults(run=run)


def render(report: IndexReport, app: str) -> str:
    state = "reused (corpus and indexing settings unchanged)" if report.reused_index else "built"
    lines = [
        f"{app}: index {state} in {report.index_dir}",
        f"  documents: {report.documents}",
        f"  chunks:    {report.chunks} (embedded {report.embedded}, reused {report.reused})",
        f"  seconds:   {report.seconds:.1f}",
    ]
    if report.privacy is not None:
        lines.append(f"  personal data: {report.privacy.summary()}")
    if report.corrupt_cache_entries:
        lines.append(f"  recomputed {report.corrupt_cache_entries} corrupt embedding-cache entries")
    lines += [f"  note: {note}" for note in report.notes]
    lines += [f"  skipped {p.path}: {p.reason}" for p in report.problems]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from ragops.app.artifacts import publish_index
    from ragops.app.index import ensure_index

    config, root = load_config(args)
    report = ensure_index(config, root, args.index_dir, args.cache_dir, ProgressRenderer())
    published = publish_index(Path(report.index_dir), args.publish, args.endpoint_url) if args.publish else None
    if args.json:
        document = report.to_dict()
        if published is not None:
            document["artifact"] = published.to_dict()
        print(json.dumps(document, indent=2))
        return EXIT_OK
    print(render(report, config.name))
    if published is not None:
        state = "published" if published.uploaded else "already in the store"
        print(f"artifact {state}:", file=sys.stderr)
        print(published.digest)
        print(published.uri)
    return EXIT_OK
