"""The comment body: a hidden marker that identifies it, the sections joined, and a cut that keeps it postable.

GitHub refuses an issue comment over 65,536 characters (422 "Body is too long"); a job summary over 1 MiB is
dropped. Rather than lose everything, the text is cut at a line boundary and ends with a note that says how much
was left out and where the full text is. Open ``<details>`` blocks and code fences are closed so the cut text
still renders.
"""

from __future__ import annotations

import re

COMMENT_LIMIT_CHARS = 65_536
SUMMARY_LIMIT_BYTES = 1024 * 1024
_MARKER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SECTION_SEPARATOR = "\n\n---\n\n"


def marker_comment(name: str) -> str:
    """The hidden HTML comment that marks a sticky comment of kind ``name``."""
    if not _MARKER_NAME.match(name):
        raise ValueError(f"marker {name!r}: use letters, digits, '.', '_' or '-' (at most 64)")
    return f"<!-- ragops:{name} -->"


def compose(sections: list[str], marker: str) -> str:
    """One body: the marker line, then the sections (e.g. one per app) separated by rules."""
    parts = [s.strip("\n") for s in sections if s.strip()]
    return marker + "\n" + SECTION_SEPARATOR.join(parts) + "\n"


def _closers(head: str) -> str:
    closers = ""
    if head.count("```") % 2:
        closers += "\n```"
    open_details = len(re.findall(r"<details\b", head)) - len(re.findall(r"</details>", head))
    closers += "\n</details>" * max(0, open_details)
    return closers


def _note(left_chars: int, left_lines: int, where: str) -> str:
    return (
        f"\n\n> [!NOTE]\n> This text was cut to fit GitHub's limit: {left_chars:,} characters "
        f"({left_lines:,} lines) were left out. The full text is in {where}.\n"
    )


def cut(text: str, *, limit: int, where: str, measure: str = "chars") -> tuple[str, int]:
    """``text`` shortened to ``limit`` (characters, or UTF-8 bytes with ``measure="bytes"``), and how many
    characters were left out (0 when it already fits)."""

    def size(s: str) -> int:
        return len(s.encode("utf-8")) if measure == "bytes" else len(s)

    if size(text) <= limit:
        return text, 0
    # The note's own length depends on the numbers in it; reserve room for the widest ones.
    reserve = size(_note(len(text), text.count("\n") + 1, where)) + 64
    budget = max(0, limit - reserve)
    head = text.encode("utf-8")[:budget].decode("utf-8", "ignore") if measure == "bytes" else text[:budget]
    newline = head.rfind("\n")
    if newline > len(head) // 2:  # cut at a line boundary unless that throws away half of what fits
        head = head[: newline + 1]
    while head and size(head + _closers(head)) > budget:
        head = head[: max(0, len(head) - 256)]
    left = text[len(head) :]
    result = head.rstrip("\n") + _closers(head) + _note(len(left), left.count("\n") + 1, where)
    if size(result) > limit:  # not even the note fits beside what is there: say as much as fits
        result = f"\n(cut: {len(text):,} characters left out; see {where})\n"
        if size(result) > limit:
            result = ""
        return result, len(text)
    return result, len(left)
