"""``ragops index CONFIG``: build or reuse an app's index and say what was embedded and what was reused."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ragops import logs
from ragops.config.loader import load_app_config, repo_root_for
from ragops.config.models import AppConfig
from ragops.errors import EXIT_OK, UsageError
from ragops.progress import ProgressRenderer

if TYPE_CHECKING:  # the index stack (FAISS, the embedding client) takes seconds to import: only when indexing
    from ragops.rag.index import IndexReport


def add_location_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", type=Path, help="rag-configs/<app>.yaml")
    parser.add_argument("--index-dir", type=Path, help="where the index lives (default: .ragops/index/<app>)")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache (default: .ragops/cache)")


def load_config(args: argparse.Namespace) -> tuple[AppConfig, Path]:
    if not args.config.is_file():
        raise UsageError(f"no such config file: {args.config}")
    root = repo_root_for(args.config)
    config = load_app_config(args.config, root)
    logs.bind(app=config.name)
    return config, root


def ensure_index(args: argparse.Namespace, config: AppConfig, root: Path) -> IndexReport:
    from ragops.rag.index import build_index, default_cache_dir, default_index_dir

    index_dir = args.index_dir or default_index_dir(root, config)
    cache_dir = args.cache_dir or default_cache_dir(root)
    return build_index(config, root, index_dir, cache_dir, ProgressRenderer())


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "index",
        help="build or reuse an app's retrieval index",
        description="Load, chunk and embed an app's documents into a FAISS + BM25 index. Unchanged chunks come "
        "from the embedding cache; an index whose corpus and indexing settings are unchanged is reused as is.",
    )
    add_location_options(parser)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(run=run)


def render(report: IndexReport, app: str) -> str:
    state = "reused (corpus and indexing settings unchanged)" if report.reused_index else "built"
    lines = [
        f"{app}: index {state} in {report.index_dir}",
        f"  documents: {report.documents}",
        f"  chunks:    {report.chunks} (embedded {report.embedded}, reused {report.reused})",
        f"  seconds:   {report.seconds:.1f}",
    ]
    if report.corrupt_cache_entries:
        lines.append(f"  recomputed {report.corrupt_cache_entries} corrupt embedding-cache entries")
    lines += [f"  note: {note}" for note in report.notes]
    lines += [f"  skipped {p.path}: {p.reason}" for p in report.problems]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    config, root = load_config(args)
    report = ensure_index(args, config, root)
    print(json.dumps(report.to_dict(), indent=2) if args.json else render(report, config.name))
    return EXIT_OK
