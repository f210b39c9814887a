"""Docs are tested like code: the CLI reference is the parser's, and every command line the docs show exists.

- ``docs/cli.md`` is generated from the parser (``make docs``); it fails here when a command or option was added,
  changed or removed without regenerating it.
- Every ``ragops …`` command in the README and in ``docs/`` — in code spans and code blocks — names a command that
  exists, with options that command takes: a documented option that no longer exists fails.
- Relative links between the docs point at files that exist.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from ragops.cli.main import build_parser
from ragops.cli.reference import options_of, render, walk
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
REFERENCE = DOCS / "cli.md"
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_FENCE = re.compile(r"^```.*?$(.*?)^```", re.MULTILINE | re.DOTALL)
_COMMAND = re.compile(r"(?:^|[\s(/$=])ragops((?:\s+[a-z][a-z-]*)+)")
_OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*)")
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _documents() -> list[Path]:
    return [REPO_ROOT / "README.md", *sorted(p for p in DOCS.glob("*.md") if p != REFERENCE)]


def _commands() -> dict[tuple[str, ...], argparse.ArgumentParser]:
    return {command.words: command.parser for command in walk(build_parser())}


def _code(text: str) -> list[str]:
    """Code spans and the lines of code blocks (each line on its own: a block holds several commands)."""
    blocks = [line for block in _FENCE.findall(text) for line in block.splitlines()]
    return blocks + _CODE_SPAN.findall(_FENCE.sub("", text))


def _shown_commands(text: str) -> list[tuple[tuple[str, ...], list[str], str]]:
    """(command words, options on the same command line, the code) for every ``ragops …`` in the code."""
    found = []
    known = _commands()
    for code in _code(text):
        for segment in re.split(r"\s(?:\||&&|;|\|\|)\s", code):
            match = _COMMAND.search(segment)
            if match is None:
                continue
            words = tuple(match.group(1).split())
            longest = max((words[:n] for n in range(len(words), 0, -1) if words[:n] in known), key=len, default=None)
            found.append((longest or words[:1], _OPTION.findall(segment[match.end(0) :]), code))
    return found


def test_the_cli_reference_is_generated_from_the_parser() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(build_parser()), (
        "docs/cli.md is stale: regenerate it with `make docs`"
    )


def test_every_command_is_in_the_reference() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = [" ".join(words) for words in _commands() if f"`ragops {' '.join(words)}`" not in text]
    assert missing == []


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_every_command_line_in_the_docs_exists(document: Path) -> None:
    known = _commands()
    global_options = set(options_of(build_parser()))
    problems = []
    for words, options, code in _shown_commands(document.read_text(encoding="utf-8")):
        if words not in known:
            problems.append(f"`ragops {' '.join(words)}` is not a command (in `{code}`)")
            continue
        parsers = [known[words[:n]] for n in range(1, len(words) + 1)]
        accepted = global_options | {flag for parser in parsers for flag in options_of(parser)}
        unknown = [option for option in options if option not in accepted]
        problems += [f"`ragops {' '.join(words)}` has no option {option} (in `{code}`)" for option in unknown]
    assert problems == []


@pytest.mark.parametrize("document", _documents(), ids=lambda p: p.relative_to(REPO_ROOT).as_posix())
def test_relative_links_point_at_files_that_exist(document: Path) -> None:
    broken = [
        target
        for target in _LINK.findall(document.read_text(encoding="utf-8"))
        if "://" not in target and not target.startswith("mailto:") and not (document.parent / target).exists()
    ]
    assert broken == []
