"""Documents' titles: the first line when a blank line follows it."""

from __future__ import annotations

import pytest

from ragops.rag.chunking import Chunk
from ragops.rag.titles import document_titles, title_of


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Species-specific clinical characteristics\n\nAbstract: …", "Species-specific clinical characteristics"),
        ("  A title with spaces  \n\nbody", "A title with spaces"),
        ("One paragraph only, no title. It goes on.", None),
        ("Two lines\nof a paragraph\n\nbody", None),
        ("x" * 201 + "\n\nbody", None),
        ("\n\nbody", None),
    ],
)
def test_title_of(text: str, title: str | None) -> None:
    assert title_of(text) == title


def test_titles_come_from_each_documents_first_chunk() -> None:
    chunks = [
        Chunk("1", "a", 0, 20, "Alpha paper\n\nIt says"),
        Chunk("2", "a", 15, 40, "Not a title\n\nlater text"),
        Chunk("3", "b", 0, 10, "no title here"),
    ]
    assert document_titles(chunks) == {"a": "Alpha paper"}
