"""Token boundaries for chunking, in the embedding model's own tokenizer.

Chunk sizes are counted in the tokens the embedding model reads, so a chunk that fits ``chunk_size`` also fits
the model. sentence-transformers models bring a fast tokenizer (``tokenizer.json``); a remote OpenAI-compatible
embedding model has none available offline, so its chunks are counted in words and punctuation marks, which
undercounts BPE tokens a little; such models read thousands of tokens, far more than any chunk.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from tokenizers import Tokenizer

Span = tuple[int, int]


class TokenBoundaries(Protocol):
    """Character spans of the tokens of texts, and how many special tokens the model adds to each input."""

    special_tokens: int

    def spans(self, texts: list[str]) -> list[list[Span]]: ...


class ModelTokenizer:
    """The fast tokenizer shipped with a Hugging Face model folder."""

    def __init__(self, model_dir: Path) -> None:
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json files carry the padding and truncation used in training; chunking needs every token.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.special_tokens = self._tokenizer.num_special_tokens_to_add(is_pair=False)

    def spans(self, texts: list[str]) -> list[list[Span]]:
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        return [list(encoding.offsets) for encoding in encodings]


_WORD = re.compile(r"\w+|[^\w\s]")


class WordTokenizer:
    """Words and punctuation marks: the approximation used when the model's tokenizer is not available."""

    special_tokens = 0

    def spans(self, texts: list[str]) -> list[list[Span]]:
        return [[m.span() for m in _WORD.finditer(text)] for text in texts]
