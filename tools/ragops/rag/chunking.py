"""Token-window chunking (Kotaemon's TokenSplitter): ``chunk_size`` tokens, ``chunk_overlap`` shared, cut at separators.

A window ends at the last ``separator`` inside its second half, else at the last whitespace there, else at the
hard token limit. Chunks are slices of the document text (``text[start:end]``), so their offsets are exact.

No chunk is longer than the model reads: the window is at most ``max_tokens`` minus the special tokens the model
adds. Cutting at whitespace or punctuation re-tokenizes to the same tokens; a cut inside a word (only when a whole
half-window has no whitespace) can re-tokenize into more pieces, so such a chunk is counted again and shortened.

Memory stays proportional to the text, not to the token count: documents are tokenized in pieces of at most
``_PIECE_CHARS`` characters cut at whitespace (where no token can straddle the cut, so the tokens are the same),
a few hundred kilobytes per tokenizer call, and token boundaries are kept as compact integer arrays. Tokenizing a
30 MB file in one call used to take gigabytes.

Chunk ids hash the document id and the chunk text, so they are stable across runs and machines and change only
when the chunk's content does; a repeated passage within one document gets its occurrence number hashed too.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ragops.rag.documents import Document
from ragops.rag.tokenization import Span, TokenBoundaries


@dataclass(frozen=True)
class Chunk:
    id: str
    doc_id: str
    start: int
    end: int
    text: str


def chunk_id(doc_id: str, text: str, occurrence: int = 0) -> str:
    key = f"{doc_id}\0{text}" if occurrence == 0 else f"{doc_id}\0{text}\0{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def mismatched_chunk(chunks: Iterable[Chunk]) -> Chunk | None:
    """The first chunk whose id is not the content hash of its document id and text, or whose offsets do not
    span its text: a chunk that was altered after chunking (chunks are in document order, as chunking makes them)."""
    occurrences: dict[tuple[str, str], int] = {}
    for chunk in chunks:
        occurrence = occurrences.get((chunk.doc_id, chunk.text), 0)
        occurrences[(chunk.doc_id, chunk.text)] = occurrence + 1
        if chunk.id != chunk_id(chunk.doc_id, chunk.text, occurrence) or chunk.end - chunk.start != len(chunk.text):
            return chunk
    return None


@dataclass(frozen=True)
class SplitPlan:
    """Chunking parameters after clamping to what the embedding model can read."""

    window: int
    overlap: int
    separator: str


def split_plan(chunk_size: int, chunk_overlap: int, separator: str, max_tokens: int | None, special: int) -> SplitPlan:
    window = chunk_size if max_tokens is None else min(chunk_size, max_tokens - special)
    return SplitPlan(window=window, overlap=min(chunk_overlap, window // 2), separator=separator)


_PIECE_CHARS = 1 << 16  # characters per piece a document is tokenized in
_BATCH_CHARS = 1 << 18  # characters per tokenizer call (pieces of several documents batch together)


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(offset, piece) covering ``text``, each piece cut just before a whitespace character where there is one in
    its second half (tokens never contain whitespace, so tokenizing the pieces gives the tokens of the whole)."""
    start, length = 0, len(text)
    while start < length:
        end = min(start + _PIECE_CHARS, length)
        if end < length:
            lowest = start + _PIECE_CHARS // 2
            cut = max(text.rfind(" ", lowest, end), text.rfind("\n", lowest, end), text.rfind("\t", lowest, end))
            end = cut if cut > start else end  # no whitespace at all: a hard cut, the rare case of a giant word
        yield start, text[start:end]
        start = end


class TokenSpans:
    """Start and end character offsets of a document's tokens, as compact arrays (16 bytes a token)."""

    def __init__(self, starts: array[int], ends: array[int]) -> None:
        self.starts = starts
        self.ends = ends

    def __len__(self) -> int:
        return len(self.starts)


def _token_spans(texts: list[str], tokenizer: TokenBoundaries) -> Iterator[TokenSpans]:
    """The token spans of each text, in order, tokenizing at most ``_BATCH_CHARS`` characters per call."""
    batch: list[tuple[int, int, str]] = []  # (text number, offset, piece)
    batched = 0  # characters in batch
    parts: dict[int, list[np.ndarray]] = {}
    done = 0  # texts before this one are complete

    def flush() -> None:
        nonlocal batched
        for (number, offset, _), spans in zip(batch, tokenizer.spans([p for _, _, p in batch]), strict=True):
            parts.setdefault(number, []).append(np.asarray(spans, dtype=np.int64).reshape(-1, 2) + offset)
        batch.clear()
        batched = 0

    def complete(upto: int) -> Iterator[TokenSpans]:
        nonlocal done
        while done < upto:
            joined = np.concatenate(parts.pop(done, [np.zeros((0, 2), dtype=np.int64)]))
            yield TokenSpans(array("q", joined[:, 0].tobytes()), array("q", joined[:, 1].tobytes()))
            done += 1

    for number, text in enumerate(texts):
        for offset, piece in _pieces(text):
            batch.append((number, offset, piece))
            batched += len(piece)
            if batched >= _BATCH_CHARS:
                flush()
                yield from complete(number)
    flush()
    yield from complete(len(texts))


class _Windows:
    """Token windows over one document."""

    def __init__(self, text: str, spans: TokenSpans, plan: SplitPlan, tokenizer: TokenBoundaries) -> None:
        self.text = text
        self.starts = spans.starts
        self.ends = spans.ends
        self.plan = plan
        self.tokenizer = tokenizer

    def gap(self, k: int) -> str:
        """The untokenized text between token k-1 and token k."""
        return self.text[self.ends[k - 1] : self.starts[k]]

    def inside_word(self, k: int) -> bool:
        if k <= 0 or k >= len(self.starts) or self.gap(k):
            return False
        position = self.starts[k]
        return self.text[position - 1].isalnum() and self.text[position].isalnum()

    def cut(self, start: int, hard_end: int) -> int:
        lowest = start + max(1, self.plan.window // 2)
        if self.plan.separator:
            for k in range(hard_end, lowest - 1, -1):
                if self.plan.separator in self.gap(k):
                    return k
        for k in range(hard_end, lowest - 1, -1):
            if any(c.isspace() for c in self.gap(k)):
                return k
        return hard_end

    def fits(self, start: int, end: int) -> bool:
        piece = self.text[self.starts[start] : self.ends[end - 1]]
        return len(self.tokenizer.spans([piece])[0]) <= self.plan.window

    def word_start(self, k: int, end: int) -> int:
        return next((j for j in range(k, end) if j == 0 or self.gap(j)), k)

    def __iter__(self) -> Iterator[Span]:
        """(first token, end token) of each chunk."""
        n = len(self.starts)
        start = 0
        while start < n:
            hard_end = min(start + self.plan.window, n)
            end = hard_end if hard_end == n else self.cut(start, hard_end)
            if self.inside_word(start) or self.inside_word(end):
                while end - start > 1 and not self.fits(start, end):
                    end -= 1
            yield start, end
            if end == n:
                return
            start = self.word_start(max(end - self.plan.overlap, start + 1), end)


def split_documents(documents: list[Document], plan: SplitPlan, tokenizer: TokenBoundaries) -> list[Chunk]:
    chunks: list[Chunk] = []
    for document, spans in zip(documents, _token_spans([d.text for d in documents], tokenizer), strict=True):
        occurrences: dict[str, int] = {}
        for first, end in _Windows(document.text, spans, plan, tokenizer):
            start_char, end_char = spans.starts[first], spans.ends[end - 1]
            text = document.text[start_char:end_char]
            occurrence = occurrences.get(text, 0)
            occurrences[text] = occurrence + 1
            chunks.append(Chunk(chunk_id(document.id, text, occurrence), document.id, start_char, end_char, text))
    return chunks
