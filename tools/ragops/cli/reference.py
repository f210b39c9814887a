"""The command-line reference (``docs/cli.md``), generated from the argparse parser itself.

Every command, subcommand and option is listed with its help text, so the reference cannot forget a command or
keep one that is gone: ``scripts/cli_reference.py`` writes it and a test fails when it is stale (the way the JSON
Schemas and the compiled pipeline are kept). The output is deterministic: help text is wrapped at a fixed width.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass

WIDTH = 100


@dataclass(frozen=True)
class Command:
    """One leaf or group of the command tree: its words after ``ragops`` and its parser."""

    words: tuple[str, ...]
    parser: argparse.ArgumentParser
    help: str | None


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def walk(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()) -> Iterator[Command]:
    """Every command below ``parser``, depth first in the order the parser declares them."""
    group = _subparsers(parser)
    if group is None:
        return
    helps = {choice.dest: choice.help for choice in group._choices_actions}
    for name, sub in group.choices.items():
        yield Command((*words, name), sub, helps.get(name))
        yield from walk(sub, (*words, name))


def options_of(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Option string (``--out``) → action, for every optional argument of ``parser`` except ``--help``."""
    return {
        flag: action
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for flag in action.option_strings
    }


def _usage(parser: argparse.ArgumentParser) -> str:
    formatter = argparse.HelpFormatter(parser.prog, width=WIDTH)
    formatter.add_usage(parser.usage, parser._actions, parser._mutually_exclusive_groups, prefix="")
    return formatter.format_help().strip()


def _metavar(action: argparse.Action) -> str:
    if action.metavar is not None:
        return str(action.metavar)
    if action.choices is not None:
        return "{" + ",".join(str(choice) for choice in action.choices) + "}"
    return action.dest.upper()


def _help_text(action: argparse.Action) -> str:
    text = (action.help or "").replace("%%", "%")
    if action.help and "%(default)" in action.help:
        text = text.replace("%(default)s", str(action.default))
    return text.replace("|", "\\|").replace("\n", " ")


def _argument_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows: list[str] = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.option_strings:
            metavar = "" if action.nargs == 0 else f" {_metavar(action)}"
            name = ", ".join(f"`{flag}{metavar}`" for flag in action.option_strings)
        else:
            name = f"`{action.metavar or action.dest}`"
        rows.append(f"| {name} | {_help_text(action)} |")
    return rows


def render(parser: argparse.ArgumentParser) -> str:
    lines = [
        "# Command-line reference",
        "",
        "<!-- Generated from the argparse parser by scripts/cli_reference.py; do not edit by hand. -->",
        "",
        parser.description or "",
        "",
        "```",
        _usage(parser),
        "```",
        "",
        *_argument_rows_table(parser),
        parser.epilog or "",
        "",
    ]
    for command in walk(parser):
        heading = "#" * min(2 + len(command.words) - 1, 4)
        lines += [f"{heading} `ragops {' '.join(command.words)}`", ""]
        about = command.parser.description or command.help
        if about:
            lines += [about.replace("%%", "%"), ""]
        lines += ["```", _usage(command.parser), "```", ""]
        lines += _argument_rows_table(command.parser)
        if command.parser.epilog:
            lines += [command.parser.epilog, ""]
    return "\n".join(lines).rstrip() + "\n"


def _argument_rows_table(parser: argparse.ArgumentParser) -> list[str]:
    rows = _argument_rows(parser)
    return ["| argument | what it does |", "|---|---|", *rows, ""] if rows else []
