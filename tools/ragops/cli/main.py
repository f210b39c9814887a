"""Entry point of the ``ragops`` command: dispatch to a subcommand, map errors to exit codes in one place."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ragops import __version__
from ragops.cli import (
    affected,
    artifact,
    comment,
    data,
    diff,
    evaluate,
    export,
    feedback,
    index,
    overlay,
    pipeline,
    promote,
    query,
    release,
    schemas,
    serve,
    validate,
)
from ragops.errors import EXIT_USAGE, RagopsError

SUBCOMMANDS = (
    validate,
    export,
    schemas,
    data,
    evaluate,
    pipeline,
    index,
    query,
    affected,
    diff,
    comment,
    promote,
    release,
    overlay,
    artifact,
    serve,
    feedback,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ragops",
        description="GitOps for RAG apps: validate, evaluate, diff and promote RAG configs.",
        epilog="Exit codes: 0 ok, 1 invalid input or failed gate, 2 usage error, 3 infrastructure unreachable.",
    )
    parser.add_argument("--version", action="version", version=f"ragops {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except RagopsError as exc:
        print(f"ragops: error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ragops: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    sys.exit(main())
