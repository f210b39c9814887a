"""Token-window chunking in the embedding model's tokenizer: exact offsets, model-sized chunks, stable ids."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from ragops.rag.chunking import chunk_id, split_documents, split_plan
from ragops.rag.documents import Document
from ragops.rag.embeddings import Embedder

TEXT = " ".join(f"Sentence number {i} talks about coronavirus spike proteins and ACE2 receptors." for i in range(60))


def _tokens(embedder: Embedder, text: str) -> int:
    return len(embedder.tokenizer.spans([text])[0]) + embedder.tokenizer.special_tokens


def test_chunks_are_exact_slices_within_the_model_limit(embedder: Embedder) -> None:
    plan = split_plan(64, 8, " ", embedder.max_tokens, embedder.tokenizer.special_tokens)
    chunks = split_documents([Document("d", TEXT, "d.txt")], plan, embedder.tokenizer)
    assert len(chunks) > 5
    for chunk in chunks:
        assert TEXT[chunk.start : chunk.end] == chunk.text
        assert _tokens(embedder, chunk.text) <= 64 + embedder.tokenizer.special_tokens
    assert chunks[0].start == 0 and chunks[-1].end == len(TEXT)
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end, "consecutive chunks overlap"
        assert TEXT[after.start - 1] == " ", "chunks start at a word"


def test_chunk_size_is_clamped_to_what_the_model_reads(embedder: Embedder) -> None:
    assert embedder.max_tokens == 256
    plan = split_plan(512, 32, " ", embedder.max_tokens, embedder.tokenizer.special_tokens)
    assert plan.window == 254
    chunks = split_documents([Document("d", TEXT * 3, "d.txt")], plan, embedder.tokenizer)
    assert max(_tokens(embedder, c.text) for c in chunks) <= 256


def test_a_cut_inside_a_long_word_still_fits(embedder: Embedder) -> None:
    text = "x" + "ab1cd2" * 400  # no whitespace at all: windows must cut inside the word
    plan = split_plan(32, 4, " ", embedder.max_tokens, embedder.tokenizer.special_tokens)
    chunks = split_documents([Document("d", text, "d.txt")], plan, embedder.tokenizer)
    assert chunks[-1].end == len(text)
    assert all(_tokens(embedder, c.text) <= 32 + embedder.tokenizer.special_tokens for c in chunks)


def test_ids_hash_content_and_tell_repeats_apart(embedder: Embedder) -> None:
    plan = split_plan(16, 0, " ", embedder.max_tokens, embedder.tokenizer.special_tokens)
    repeated = "the same passage repeats here word for word again. " * 8
    first = split_documents([Document("d", repeated, "d.txt")], plan, embedder.tokenizer)
    again = split_documents([Document("d", repeated, "d.txt")], plan, embedder.tokenizer)
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    assert chunk_id("a", "text") != chunk_id("b", "text")


@settings(max_examples=25, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab c\n.é-1"), min_size=1, max_size=400),
    size=st.integers(16, 40),
    overlap=st.integers(0, 8),
)
def test_any_text_is_covered_by_exact_slices(embedder: Embedder, text: str, size: int, overlap: int) -> None:
    plan = split_plan(size, overlap, " ", embedder.max_tokens, embedder.tokenizer.special_tokens)
    chunks = split_documents([Document("d", text, "d.txt")], plan, embedder.tokenizer)
    covered = set()
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert _tokens(embedder, chunk.text) <= size + embedder.tokenizer.special_tokens
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
