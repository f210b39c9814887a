"""FActScore for real: ``ragops eval`` on the KFP local runner of an app that answers with SmolLM2-135M-Instruct on
llama.cpp (the ``llama_server`` fixture), the same model judging with ``factscore: true``; then the same run again,
every FActScore reply from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.app.evaluate import evaluate
from ragops.evaluation.metrics import FACTSCORE_MEASURES, factscore_name
from tests.conftest import FIXTURES, REPO_ROOT
from tests.support.llama import LlamaServer

pytestmark = pytest.mark.e2e


def _llm_app(folder: Path, base_url: str, model: str) -> Path:
    """The tiny two-question app, answered by the local LLM and judged by it, FActScore included."""
    text = (FIXTURES / "configs" / "eval-tiny.yaml").read_text(encoding="utf-8")
    extractive = "  llm:\n    provider: extractive\n    sentences: 1\n"
    assert extractive in text
    llm = f"  llm:\n    provider: openai\n    model: {model}\n    base_url: {base_url}\n    max_tokens: 48\n"
    judge = f"    judge:\n      base_url: {base_url}\n      model: {model}\n      prompt_version: v1\n"
    judge += "      factscore: true\n      max_retries: 0\n"
    path = folder / "eval-tiny-llm.yaml"
    path.write_text(text.replace(extractive, llm) + judge, encoding="utf-8")
    return path


def test_both_families_are_reported_and_a_rerun_asks_nothing(llama_server: LlamaServer, tmp_path: Path) -> None:
    config = _llm_app(tmp_path, llama_server.base_url, llama_server.model)
    state = tmp_path / "state"
    before = llama_server.chat_requests()

    first = evaluate(config, REPO_ROOT, tmp_path / "run1", state_dir=state)

    report = first.report
    asked = llama_server.chat_requests() - before
    # Two answers, two judge metrics each, and FActScore's decomposition and verification calls.
    assert asked > 2 + 4
    for verifier, kind in (("lexical", "grounding"), ("llm", "judge")):
        for measure in FACTSCORE_MEASURES:
            name = factscore_name(verifier, measure)
            info = report.metric_info.get(name)
            if verifier == "llm":  # a judge metric is listed even when no answer got a value
                assert info is not None, name
            if info is not None:
                assert (info.kind, info.direction) == (kind, "higher")
                assert info.role == ("gate" if verifier == "lexical" else "advisory")
            if name in report.metrics:
                assert report.metrics[name] >= 0.0
                assert measure == "facts" or report.metrics[name] <= 1.0
    # Every answer counts in the share answered, whether it stated a fact or not.
    assert report.counts.scored[factscore_name("lexical", "answered")] == report.counts.questions == 2
    models = report.metadata.models["factscore"]
    assert "rules-v1" in models and "lexical-v1" in models and "llm-facts-v1" in models and llama_server.model in models

    # The same run again: answers come from the pipeline's cache, every judgement from the judge's cache.
    second = evaluate(config, REPO_ROOT, tmp_path / "run2", state_dir=state)
    assert llama_server.chat_requests() - before == asked
    assert second.report.metrics == report.metrics
