"""``ragops feedback export``: negative feedback from the service as test-set candidates for review."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ragops.app.feedback import export_feedback
from ragops.errors import EXIT_OK


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "feedback",
        help="turn the service's negative feedback into test-set candidates",
        description="Feedback stored by 'ragops serve --feedback-dir'.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser(
        "export",
        help="write one test-set candidate line per answer rated down",
        description="Each line has the test-set shape with empty answers and gold_doc_ids and a 'candidate' "
        "object (the answer given, the retrieved documents, the comment). It does not validate until a reviewer "
        "fills in answers and gold_doc_ids and deletes 'candidate'.",
    )
    export.add_argument("--feedback-dir", type=Path, required=True, help="the service's --feedback-dir")
    export.add_argument("--out", type=Path, help="write the JSONL here (default: standard output)")
    export.set_defaults(run=run_export)


def run_export(args: argparse.Namespace) -> int:
    result = export_feedback(args.feedback_dir, args.out)
    if args.out is None:
        sys.stdout.write(result.jsonl())
    print(f"{len(result.lines)} candidate(s) from {result.ratings} rating(s)", file=sys.stderr)
    if result.skipped:
        print(f"skipped {result.skipped} torn or damaged line(s) in {args.feedback_dir}", file=sys.stderr)
    return EXIT_OK
