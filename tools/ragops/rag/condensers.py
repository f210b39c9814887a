"""The choice of condenser from a config: the one module that knows every condenser (as ``generators`` for
generators)."""

from __future__ import annotations

from ragops.config.models import AppConfig
from ragops.rag.condense import Condenser


def make_condenser(config: AppConfig) -> Condenser:
    # Imported here so an offline app never imports the HTTP client stack, as with the generators.
    spec = config.spec.conversation
    if spec.uses_llm(config.spec.llm.provider):
        from ragops.rag.condense_llm import LLMCondenser

        return LLMCondenser(spec, config.spec.llm, config.spec.prompt.lang)
    from ragops.rag.condense_rule import RuleCondenser

    return RuleCondenser(spec)
