"""What each answering step's cache key holds: retrieval's changes with retrieval settings only, generation's
with the LLM, prompt and citation settings only; and each step's spans continue the run's trace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ragops import tracing
from ragops.config.models import AppConfig
from ragops.pipelines.steps import generate_step, generation_only, index_step, retrieval_only, retrieve_step
from tests.support.corpus import DOCS, write_corpus


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


def test_privacy_settings_are_part_of_the_retrieval_key_only() -> None:
    base, private = _app(), _app(privacy={"action": "redact"})
    assert _key(retrieval_only, private) != _key(retrieval_only, base)
    assert _key(generation_only, private) == _key(generation_only, base)


def test_each_step_continues_the_trace_its_parent_process_handed_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        write_corpus(tmp_path / "docs", DOCS)
        (tmp_path / "testsets").mkdir()
        record = {
            "id": "q1",
            "question": "What do vaccines train?",
            "answers": ["immune"],
            "gold_doc_ids": ["vaccines"],
        }
        (tmp_path / "testsets" / "t.jsonl").write_text(json.dumps(record) + "\n")
        config = _app(retrieval={"mode": "hybrid", "top_k": 2})
        with tracing.span("eval one") as run:
            monkeypatch.setenv(tracing.TRACEPARENT_ENV, tracing.environment_carrier()[tracing.TRACEPARENT_ENV])
        cache = str(tmp_path / "cache")
        index_step(config.model_dump_json(), str(tmp_path / "docs"), str(tmp_path / "index"), cache)
        retrieved = tmp_path / "retrieved.jsonl"
        retrieve_step(
            config.model_dump_json(), str(tmp_path / "index"), str(tmp_path / "testsets"), 0, 1, cache, str(retrieved)
        )
        generate_step(config.model_dump_json(), str(retrieved), 0.0, str(tmp_path / "predictions.jsonl"))
    finally:
        tracing.use(None)
    assert run.live is not None
    root = run.live.get_span_context()
    finished = exporter.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}
    steps = {s.name: s for s in finished if s.parent is not None and s.parent.span_id == root.span_id}
    assert set(steps) == {"build-index", "retrieve-testset", "generate-answers"}
    assert all(s.context.trace_id == root.trace_id for s in finished)

    def under(step: str) -> set[str]:
        names = set()
        for span in finished:
            parent = span.parent
            while parent is not None and parent.span_id in by_id:
                if parent.span_id == steps[step].context.span_id:
                    names.add(span.name)
                parent = by_id[parent.span_id].parent
        return names

    assert {"load", "chunk", "embed"} <= under("build-index")
    assert {"retrieve", "embed", "search", "fuse"} <= under("retrieve-testset")
    assert under("generate-answers") == {"generate"}
    assert steps["build-index"].attributes["ragops.chunks"] > 0
