"""What a generator returns and the interface generators share (the choice of one is ``rag.generators``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ragops.rag.hits import Hit


@dataclass(frozen=True)
class Generation:
    answer: str
    citations: list[str]  # doc ids the answer draws on, in order of first use
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt: str | None = None  # the rendered prompt, for generators that send one


class Generator(Protocol):
    def generate(self, question: str, hits: list[Hit]) -> Generation: ...
