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
