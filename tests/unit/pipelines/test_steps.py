"""What each answering step's cache key holds: retrieval's changes with retrieval settings only, generation's
with the LLM, prompt and citation settings only."""

from __future__ import annotations

from typing import Any

from ragops.config.models import AppConfig
from ragops.pipelines.steps import generation_only, retrieval_only


def _app(name: str = "one", **spec: Any) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": name},
            "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, **spec},
        }
    )


def _key(project: Any, config: AppConfig) -> str:
    text: str = project(config).model_dump_json(by_alias=True)
    return text


def test_generation_settings_leave_the_retrieval_key_alone() -> None:
    base = _app()
    for edited in (
        _app(prompt={"template": "Context: {context}\nQ: {question}"}),
        _app(llm={"provider": "extractive", "sentences": 3}),
        _app(citation={"mode": "off"}),
        _app(evaluation={"k_values": [1, 2]}),
        _app(name="another-app"),
    ):
        assert _key(retrieval_only, edited) == _key(retrieval_only, base)
    assert _key(retrieval_only, _app(retrieval={"top_k": 9})) != _key(retrieval_only, base)
    assert _key(retrieval_only, _app(splitter={"chunk_size": 64, "chunk_overlap": 8})) != _key(retrieval_only, base)


def test_retrieval_settings_leave_the_generation_key_alone() -> None:
    base = _app()
    for edited in (_app(retrieval={"top_k": 9, "mode": "text"}), _app(evaluation={"k_values": [1]}), _app(name="x")):
        assert _key(generation_only, edited) == _key(generation_only, base)
    assert _key(generation_only, _app(prompt={"template": "{context} {question}"})) != _key(generation_only, base)
    assert _key(generation_only, _app(citation={"mode": "off"})) != _key(generation_only, base)


def test_the_projections_keep_the_settings_they_are_about() -> None:
    config = _app(retrieval={"top_k": 7}, llm={"provider": "extractive", "sentences": 3})
    assert retrieval_only(config).spec.retrieval == config.spec.retrieval
    assert retrieval_only(config).spec.embedding == config.spec.embedding
    assert generation_only(config).spec.llm == config.spec.llm
    assert generation_only(config).spec.prompt == config.spec.prompt


def test_conversational_test_sets_add_the_condense_settings_to_the_retrieval_key() -> None:
    base = _app()
    condensed = _app(conversation={"n_last_interactions": 2})
    assert _key(retrieval_only, condensed) == _key(retrieval_only, base)  # no turns: the settings are unused
    with_turns = lambda config: retrieval_only(config, conversational=True)  # noqa: E731
    assert _key(with_turns, condensed) != _key(with_turns, base)
    # The rule condenser needs no LLM: its settings stay out of the key; an LLM that condenses is in it.
    assert _key(with_turns, _app(llm={"provider": "extractive", "sentences": 3})) == _key(with_turns, base)
    llm = {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:1/v1"}
    assert _key(with_turns, _app(llm={**llm, "temperature": 0.5})) != _key(with_turns, _app(llm=llm))
