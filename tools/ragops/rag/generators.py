"""The choice of generator from a config: the one module that knows every generator."""

from __future__ import annotations

from ragops.config.models import AppConfig
from ragops.rag.generation import Generator


def make_generator(config: AppConfig) -> Generator:
    # Imported here so an offline app never imports the HTTP client stack, and vice versa.
    if config.spec.llm.provider == "openai":
        from ragops.rag.openai_chat import OpenAIChatGenerator

        return OpenAIChatGenerator(config.spec.llm, config.spec.prompt)
    from ragops.rag.extractive import ExtractiveGenerator

    return ExtractiveGenerator(config.spec.llm.sentences)
