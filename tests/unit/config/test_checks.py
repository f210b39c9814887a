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
