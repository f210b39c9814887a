"""Write the command-line reference, docs/cli.md, from the ragops parser; ``--check`` fails when it is stale.

Run after adding or changing a command or option (``make docs``); ``make lint`` runs the check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ragops.cli.main import build_parser
from ragops.cli.reference import render

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/cli.md differs from the parser")
    args = parser.parse_args()
    text = render(build_parser())
    current = REFERENCE.read_text(encoding="utf-8") if REFERENCE.is_file() else None
    if args.check:
        if current != text:
            print(f"{REFERENCE}: stale; regenerate it with `make docs`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(text, encoding="utf-8")
        print(f"wrote {REFERENCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
