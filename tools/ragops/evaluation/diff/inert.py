"""PR-controlled text made inert for GitHub-flavoured Markdown: it can show, never act.

Test-set ids and names, questions, answers, document ids, config keys and values all come from the pull request.
Rendered raw, a newline in an id starts a second ``### ✅ PASS`` headline, a ``|`` or ``<img>`` in a name injects
HTML into a table, an unclosed ``<details>`` folds away the next app's FAIL, ``@team`` notifies people, and
``![](https://…)`` loads an image from anywhere. Both helpers here collapse every line break and control or format
character (bidirectional overrides included) to one space, so data never leaves its line; ``text`` also escapes
HTML and Markdown punctuation and breaks mentions and autolinks with a zero-width space; ``code`` puts the value in
a code span, where Markdown and HTML are not interpreted (only a table's ``|`` still needs escaping).
"""

from __future__ import annotations

import html
import re
import unicodedata

_ZERO_WIDTH = "\u200b"
_PUNCTUATION = re.compile(r"([\\`*_\[\]()#!|~{}])")
_MENTION = re.compile(r"(?<![\w])@")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")


def _one_line(value: str) -> str:
    printable = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in value)
    return " ".join(printable.split())


def text(value: str) -> str:
    """``value`` on one line, shown as written: no HTML, no Markdown, no mentions, no links."""
    escaped = _PUNCTUATION.sub(r"\\\1", html.escape(_one_line(value), quote=False))
    escaped = _MENTION.sub("@" + _ZERO_WIDTH, escaped)
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + _ZERO_WIDTH + m.group(1)[1:], escaped)


def code(value: str) -> str:
    """``value`` on one line in a code span (safe inside a table cell)."""
    inner = _one_line(value).replace("`", "'").replace("|", "\\|")
    return f"`{inner}`" if inner else "` `"
