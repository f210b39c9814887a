"""``ragops export kotaemon CONFIG``: print the config as Kotaemon flowsettings specs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ragops.config.kotaemon import KOTAEMON_VECTOR_STORES, export
from ragops.config.loader import load_app_config
from ragops.errors import EXIT_OK, UsageError


def register(commands: Any) -> None:
    parser = commands.add_parser("export", help="export a config to another tool's format")
    targets = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    kotaemon = targets.add_parser(
        "kotaemon",
        help="Kotaemon flowsettings (KH_EMBEDDINGS, KH_LLMS, KH_VECTORSTORE, …)",
        description="Print the app as Kotaemon flowsettings. What Kotaemon cannot express is listed, not guessed.",
    )
    kotaemon.add_argument("config", type=Path, help="rag-configs/<app>.yaml")
    kotaemon.add_argument(
        "--format",
        choices=("python", "json"),
        default="python",
        help="python: paste into flowsettings.py; json: for tools",
    )
    kotaemon.add_argument(
        "--vector-store",
        choices=sorted(KOTAEMON_VECTOR_STORES),
        help="Kotaemon vector store to use in place of FAISS (Kotaemon has none)",
    )
    kotaemon.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not args.config.is_file():
        raise UsageError(f"{args.config}: no such config file")
    result = export(load_app_config(args.config), vector_store=args.vector_store)
    print(result.to_json() if args.format == "json" else result.to_python(), end="\n" if args.format == "json" else "")
    for note in result.unmapped:
        print(f"ragops: not exported: {note}", file=sys.stderr)
    return EXIT_OK
