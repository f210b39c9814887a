"""What a generator returns, the interface generators share, and the choice of generator from a config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ragops.config.models import AppConfig
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


def make_generator(config: AppConfig) -> Generator:
    # Imported here so an offline app never imports the HTTP client stack, and vice versa.
    if config.spec.llm.provider == "openai":
        from ragops.rag.openai_chat import OpenAIChatGenerator

        return OpenAIChatGenerator(config.spec.llm, config.spec.prompt)
    from ragops.rag.extractive import ExtractiveGenerator

    return ExtractiveGenerator(config.spec.llm.sentences)
