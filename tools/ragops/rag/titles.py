"""Documents' titles, for showing a source by name rather than by id.

A document's title is its first line when a blank line follows it and it is short: the convention the loaders
follow for records with a title (``title``, blank line, body) and that plain-text articles such as the COVID-QA
sample's follow too. A document without one is shown by its id.
"""

from __future__ import annotations

from collections.abc import Iterable

from ragops.rag.chunking import Chunk

MAX_TITLE_CHARS = 200


def title_of(text: str) -> str | None:
    """The title at the start of a document's text, or None."""
    first, blank, _ = text.partition("\n\n")
    first = first.strip()
    if not blank or not first or "\n" in first or len(first) > MAX_TITLE_CHARS:
        return None
    return first


def document_titles(chunks: Iterable[Chunk]) -> dict[str, str]:
    """doc id → title, from each document's first chunk (the one at offset 0)."""
    found: dict[str, str] = {}
    for chunk in chunks:
        if chunk.start == 0 and chunk.doc_id not in found:
            title = title_of(chunk.text)
            if title is not None:
                found[chunk.doc_id] = title
    return found
