"""Words for lexical matching (BM25 and extractive answers) and sentences for extractive answers.

Lower-cased word characters, English stop words (Lucene's list, as bm25s ships it) removed. The same function
tokenizes documents and queries, so BM25 vocabularies always match.
"""

from __future__ import annotations

import re

from bm25s.stopwords import STOPWORDS_EN

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(STOPWORDS_EN)
# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before whitespace, or at a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n")


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text``, stripped of surrounding whitespace."""
    spans = []
    start = 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[start:end]
        if piece.strip():
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, start + len(piece.rstrip())))
        if match:
            start = match.end()
    return spans
