"""'Did you mean …?' for misspelt keys and component types."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    if word.lower() in lowered:
        return lowered[word.lower()]
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    guess = closest(word, options)
    listed = ", ".join(repr(c) for c in options)
    return f"did you mean {guess!r}? (one of {listed})" if guess else f"use one of {listed}"
