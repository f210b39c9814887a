"""``ragops data add|status|push|pull|diff|fingerprint``: versioned corpora and test sets (git or DVC).

Arguments that name app configs (``*.yaml``) stand for the corpus and test sets those apps use, so
``ragops data pull rag-configs/a.yaml`` fetches exactly what app ``a`` is evaluated on.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ragops.cli import options
from ragops.config.loader import display_path
from ragops.data import change_summary, dvc
from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint
from ragops.errors import EXIT_INVALID, EXIT_OK, UsageError

_CONFIG_SUFFIXES = (".yaml", ".yml")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "data",
        help="versioned corpora and test sets: track, check, push, pull, diff (DVC or git)",
        description="Corpora and test sets, whether git or DVC holds them. PATHS may be data paths or app configs "
        "(rag-configs/*.yaml), which stand for the corpus and test sets the app uses.",
    )
    options.add_root(parser)
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="track files or folders with DVC (then `git add` what it lists)")
    add.add_argument("paths", nargs="+", type=Path)
    add.set_defaults(run=run_add)

    status = sub.add_parser("status", help="which DVC-tracked data is missing or modified locally")
    status.add_argument("paths", nargs="*", type=Path, help="data paths or app configs (default: all tracked data)")
    status.add_argument("--remote", help="DVC remote (default: the configured default)")
    status.add_argument("--check-remote", action="store_true", help="also list files the remote lacks")
    status.set_defaults(run=run_status)

    push = sub.add_parser("push", help="upload DVC-tracked data to the remote")
    push.add_argument("paths", nargs="*", type=Path, help="data paths or app configs (default: all tracked data)")
    push.add_argument("--remote", help="DVC remote (default: the configured default)")
    push.add_argument("-j", "--jobs", type=int, help="parallel transfers")
    push.set_defaults(run=run_push)

    pull = sub.add_parser("pull", help="fetch DVC-tracked data: all of it, or what the given app configs use")
    pull.add_argument("paths", nargs="*", type=Path, help="data paths or app configs (default: all tracked data)")
    pull.add_argument("--remote", help="DVC remote (default: the configured default)")
    pull.add_argument("-j", "--jobs", type=int, help="parallel transfers")
    pull.set_defaults(run=run_pull)

    diff = sub.add_parser("diff", help="documents and questions changed between two git refs")
    diff.add_argument("base", help="git ref of the base, e.g. origin/main")
    diff.add_argument("head", nargs="?", default="HEAD", help="git ref of the head (default: HEAD)")
    diff.add_argument("--path", action="append", default=[], help="also compare this corpus folder or .jsonl")
    diff.add_argument("--remote", help="DVC remote to read listings of the other ref from")
    options.add_format(diff)
    diff.add_argument("--all", action="store_true", help="list unchanged corpora and test sets too")
    diff.set_defaults(run=run_diff)

    fingerprint = sub.add_parser("fingerprint", help="content hash of corpora and test sets (DVC's md5 / .dir)")
    fingerprint.add_argument("paths", nargs="+", type=Path, help="corpus folders, test sets or app configs")
    fingerprint.set_defaults(run=run_fingerprint)


def _root(args: argparse.Namespace) -> Path:
    return options.root_from(args)


def _data_paths(paths: Sequence[Path], root: Path) -> list[Path]:
    """Data paths, with each app config replaced by the corpus and test sets it uses."""
    expanded: list[Path] = []
    for path in paths:
        found = dvc.data_paths_for_configs([path], root) if path.suffix in _CONFIG_SUFFIXES else [path.resolve()]
        expanded += [p for p in found if p not in expanded]
    return expanded


def run_add(args: argparse.Namespace) -> int:
    root = _root(args)
    result = dvc.add(args.paths, root)
    for tracked in result.tracked:
        print(f"tracking {display_path(tracked.path, root)} ({tracked.md5})")
    if result.to_commit:
        print("commit with: git add " + " ".join(display_path(p, root) for p in result.to_commit))
        print("then upload the content: ragops data push")
    return EXIT_OK


def run_status(args: argparse.Namespace) -> int:
    root = _root(args)
    statuses = dvc.status(root, _data_paths(args.paths, root), args.remote, args.check_remote)
    problems = 0
    for item in statuses:
        where = display_path(item.tracked.path, root)
        line = f"{item.local.value:9} {where}"
        if item.local is dvc.LocalState.MISSING:
            line += "  (run `ragops data pull`)"
        elif item.local is dvc.LocalState.MODIFIED:
            line += f"  (run `ragops data add {where}` to record the change)"
        print(line)
        if item.missing_in_remote:
            problems += 1
            shown = ", ".join(item.missing_in_remote[:10])
            more = f" and {len(item.missing_in_remote) - 10} more" if len(item.missing_in_remote) > 10 else ""
            print(f"          remote lacks {len(item.missing_in_remote)} file(s): {shown}{more} (run `dvc push`)")
    if not statuses:
        print("no DVC-tracked data")
    return EXIT_INVALID if problems else EXIT_OK


def _print_transfer(verb: str, result: dvc.TransferResult, root: Path) -> None:
    for tracked in result.targets:
        print(f"{verb} {display_path(tracked.path, root)}")
    for path in result.in_git:
        print(f"in git   {display_path(path, root)}")
    if result.targets:
        print(f"{result.transferred} object(s) transferred (remote {result.remote!r})")


def run_push(args: argparse.Namespace) -> int:
    root = _root(args)
    _print_transfer("pushed  ", dvc.push(root, _data_paths(args.paths, root), args.remote, args.jobs), root)
    return EXIT_OK


def run_pull(args: argparse.Namespace) -> int:
    root = _root(args)
    _print_transfer("pulled  ", dvc.pull(root, _data_paths(args.paths, root), args.remote, args.jobs), root)
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    root = _root(args)
    summary = change_summary.summarize_changes(root, args.base, args.head, args.path, args.remote)
    if args.format == "json":
        print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(change_summary.render_text(summary, show_unchanged=args.all))
    return EXIT_OK


def run_fingerprint(args: argparse.Namespace) -> int:
    root = _root(args)
    for path in _data_paths(args.paths, root):
        try:
            value = file_fingerprint(path) if path.is_file() or path.suffix == ".jsonl" else corpus_fingerprint(path)
        except FileNotFoundError as exc:
            raise UsageError(f"{display_path(path, root)}: not in the workspace and not DVC-tracked") from exc
        print(f"{value}  {display_path(path, root)}")
    sys.stdout.flush()
    return EXIT_OK
