"""Semantic checks the schema cannot express."""

from __future__ import annotations

from ragops.config.checks import check_k_values
from ragops.config.models import AppConfig

BASE = {
    "apiVersion": "ragops.dev/v1",
    "kind": "RAGApp",
    "metadata": {"name": "app"},
    "spec": {"data": {"corpus": "docs", "testsets": ["t.jsonl"]}, "retrieval": {"top_k": 3}},
}


def _config(evaluation: dict[str, object] | None = None) -> AppConfig:
    spec = {**BASE["spec"], **({"evaluation": evaluation} if evaluation is not None else {})}  # type: ignore[dict-item]
    return AppConfig.model_validate({**BASE, "spec": spec})


def test_cut_offs_beyond_top_k_are_a_warning_when_written() -> None:
    (finding,) = check_k_values(_config({"k_values": [1, 3, 10]}))
    assert finding.code == "k-beyond-top-k" and finding.severity == "warning"
    assert "[10]" in finding.message


def test_default_cut_offs_never_warn() -> None:
    assert check_k_values(_config()) == []
    assert check_k_values(_config({"k_values": [1, 3]})) == []


def _with(**spec: object) -> AppConfig:
    return AppConfig.model_validate({**BASE, "spec": {**BASE["spec"], **spec}})  # type: ignore[dict-item]


def test_condensing_with_an_llm_needs_one_and_a_prompt_with_its_placeholders() -> None:
    from ragops.config.checks import check_conversation

    refused = check_conversation(_with(conversation={"condense": "llm"}))
    assert [f.code for f in refused] == ["invalid-value"] and "needs an LLM" in refused[0].message
    llm = {"provider": "openai", "model": "m", "base_url": "http://127.0.0.1:1/v1"}
    assert check_conversation(_with(llm=llm)) == []  # auto + openai: the default prompt is complete
    broken = check_conversation(_with(llm=llm, conversation={"condense_prompt": "Rewrite {question} given {histroy}"}))
    assert {f.message for f in broken} == {"unknown placeholder {histroy} in condense prompt"}
    missing = check_conversation(_with(llm=llm, conversation={"condense_prompt": "Rewrite {question}"}))
    assert [f.message for f in missing] == ["condense prompt has no {history} placeholder"]
    # The rule condenser never reads the prompt.
    assert check_conversation(_with(conversation={"condense": "rule", "condense_prompt": "{nothing}"})) == []
