"""Entry point of the ``ragops`` command: dispatch to a subcommand, map errors to exit codes in one place."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from ragops import __version__, logs
from ragops.cli import (
    affected,
    artifact,
    canary,
    comment,
    data,
    diff,
    evaluate,
    export,
    feedback,
    index,
    new,
    overlay,
    pipeline,
    promote,
    query,
    release,
    scan,
    schemas,
    serve,
    sweep,
    validate,
)
from ragops.errors import EXIT_USAGE, RagopsError

SUBCOMMANDS = (
    new,
    validate,
    export,
    schemas,
    data,
    evaluate,
    pipeline,
    index,
    scan,
    query,
    affected,
    diff,
    sweep,
    comment,
    promote,
    release,
    overlay,
    artifact,
    serve,
    feedback,
    canary,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ragops",
        description="GitOps for RAG apps: validate, evaluate, diff and promote RAG configs.",
        epilog="Exit codes: 0 ok, 1 invalid input or failed gate, 2 usage error, 3 infrastructure unreachable, "
        "4 canary analysis inconclusive.",
    )
    parser.add_argument("--version", action="version", version=f"ragops {__version__}")
    parser.add_argument(
        "--log-format",
        choices=logs.FORMATS,
        default=logs.format_from_env(),
        help=f"stderr as human text (default) or one JSON object per line (also ${logs.FORMAT_ENV})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in SUBCOMMANDS:
        module.register(commands)
    return parser


def _log_format(argv: Sequence[str]) -> str:
    """The log format asked for, read before argparse runs so that its own errors come out in that format."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--log-format", default=logs.format_from_env())
    known, _ = early.parse_known_args(argv)
    return str(known.log_format) if known.log_format in logs.FORMATS else "text"


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    with logs.session(_log_format(argv), run_id=logs.new_run_id()):
        parser = build_parser()
        args = parser.parse_args(argv)
        logs.bind(command=args.command)
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    log = logs.get_logger("ragops.cli")
    started = time.perf_counter()
    try:
        code: int = args.run(args)
    except RagopsError as exc:
        log.error("error", message=f"ragops: error: {exc.message}", error=type(exc).__name__, exit_code=exc.exit_code)
        return exc.exit_code
    except KeyboardInterrupt:
        log.error("interrupted", message="ragops: interrupted", exit_code=130)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE
    log.info("command_finished", message=None, exit_code=code, duration_s=round(time.perf_counter() - started, 3))
    return code


if __name__ == "__main__":
    sys.exit(main())
