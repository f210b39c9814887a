"""``ragops schemas [--check]``: regenerate the JSON Schemas in schemas/ from the models, or check them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ragops.app import schemas as schema
from ragops.config.loader import repo_root_for
from ragops.errors import EXIT_OK, ValidationFailed


def register(commands: Any) -> None:
    parser = commands.add_parser("schemas", help="write or check the JSON Schemas in schemas/")
    parser.add_argument("--out", type=Path, help="folder (default: schemas/ at the repository root)")
    parser.add_argument("--check", action="store_true", help="fail if the checked-in schemas are stale")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder = args.out or repo_root_for(Path.cwd()) / "schemas"
    if args.check:
        stale = schema.stale(folder)
        if stale:
            raise ValidationFailed(f"stale schemas in {folder}: {', '.join(stale)}; run: ragops schemas")
        print(f"schemas in {folder} are up to date")
        return EXIT_OK
    for path in schema.write(folder):
        print(f"wrote {path}")
    return EXIT_OK
