"""``ragops scan CONFIG``: where the app's documents and test sets hold personal data, by file and line."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ragops import logs
from ragops.app.scan import ScanResult, scan_app
from ragops.config.loader import load_app_config, repo_root_for
from ragops.errors import EXIT_INVALID, EXIT_OK

_ACTIONS = {
    "redact": "ingest replaces each value in the documents with a placeholder such as [EMAIL]",
    "reject": "ingest leaves out every document holding any",
    "report": "ingest indexes them as they are and counts them",
}


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "scan",
        help="find personal data in an app's documents and test sets (never printing it)",
        description="Look for the personal data the app's spec.privacy names (emails, phone numbers, card numbers, "
        "IBANs, national ids, IP addresses; all of them when the app has no spec.privacy) in its corpus files and "
        "test sets, and list each value as FILE:LINE:COLUMN: KIND, never the value itself.",
    )
    parser.add_argument("config", type=Path, help="rag-configs/<app>.yaml")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="text for people, json for tools")
    parser.add_argument(
        "--fail-on-findings", action="store_true", help="exit 1 when anything is found (a CI check on new data)"
    )
    parser.set_defaults(run=run)


def render(result: ScanResult) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.kind}" + (f" ({f.detail})" if f.detail else "") for f in result.findings
    ]
    lines += [f"{s.path}: not scanned: {s.reason}" for s in result.skipped]
    counts = result.counts()
    files = len({f.path for f in result.findings})
    if counts:
        listing = ", ".join(f"{kind} {count}" for kind, count in counts.items())
        summary = f"{result.app}: {sum(counts.values())} value(s) in {files} of {result.files} file(s) ({listing})"
    else:
        summary = f"{result.app}: no personal data in {result.files} file(s)"
    if result.configured:
        summary += f"; spec.privacy action {result.privacy.action}: {_ACTIONS[result.privacy.action]}"
    else:
        summary += "; the app has no spec.privacy, so nothing is redacted at ingest"
    return "\n".join([*lines, summary])


def run(args: argparse.Namespace) -> int:
    root = repo_root_for(args.config)
    config = load_app_config(args.config, root)
    logs.bind(app=config.name)
    result = scan_app(config, root)
    print(json.dumps(result.to_dict(), indent=2) if args.format == "json" else render(result))
    return EXIT_INVALID if args.fail_on_findings and result.findings else EXIT_OK
