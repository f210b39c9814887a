"""LLM-as-judge metrics for real: ``ragops eval`` on the KFP local runner with SmolLM2-135M-Instruct on llama.cpp
(the ``llama_server`` fixture) as the judge, its judgements cached so re-scoring asks the server nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.evaluate import evaluate
from ragops.cli.main import main
from ragops.errors import EXIT_INFRA
from ragops.evaluation.judge import ANSWER_RELEVANCE, FAITHFULNESS
from tests.conftest import FIXTURES, REPO_ROOT, free_loopback_port
from tests.support.llama import LlamaServer

pytestmark = pytest.mark.e2e
NAMES = (FAITHFULNESS, ANSWER_RELEVANCE)


def _judged_config(folder: Path, base_url: str, model: str) -> Path:
    """The tiny two-question app with a judge block appended to its evaluation settings."""
    text = (FIXTURES / "configs" / "eval-tiny.yaml").read_text(encoding="utf-8")
    judge = f"    judge:\n      base_url: {base_url}\n      model: {model}\n      prompt_version: v1\n"
    judge += "      max_retries: 0\n"
    path = folder / "eval-tiny-judged.yaml"
    path.write_text(text + judge, encoding="utf-8")
    return path


def test_judge_metrics_are_advisory_scored_or_counted_and_cached(llama_server: LlamaServer, tmp_path: Path) -> None:
    config = _judged_config(tmp_path, llama_server.base_url, llama_server.model)
    state = tmp_path / "state"
    before = llama_server.chat_requests()

    first = evaluate(config, REPO_ROOT, tmp_path / "run1", state_dir=state)

    report = first.report
    asked = llama_server.chat_requests() - before
    # The extractive app answers both questions from a non-empty context, so both metrics are asked for both.
    assert asked == 2 * report.counts.questions == 4
    assert len(list((state / "judge-cache").rglob("*.json"))) == asked
    for name in NAMES:
        info = report.metric_info[name]
        assert (info.kind, info.role, info.direction) == ("judge", "advisory", "higher")
        # A 135M-parameter judge may not answer with a score: such a question counts as unscored, never as 0.
        scored = report.counts.scored[name]
        assert 0 <= scored <= report.counts.questions
        assert (name in report.metrics) == (scored > 0)
        if scored:
            assert 0.0 <= report.metrics[name] <= 1.0
    predictions = [json.loads(line) for line in (first.out_dir / "predictions.jsonl").read_text().splitlines()]
    for prediction in predictions:
        for name in NAMES:
            assert 0.0 <= prediction["metrics"].get(name, 0.0) <= 1.0
    assert llama_server.model in report.metadata.models["judge"]
    assert "v1" in report.metadata.models["judge"]

    # Scoring the same run again: every judgement comes from the cache, the values are the same.
    second = evaluate(config, REPO_ROOT, tmp_path / "run2", state_dir=state)
    assert llama_server.chat_requests() - before == asked
    assert second.report.metrics == report.metrics
    assert second.report.counts == report.counts


def test_an_unreachable_judge_is_exit_3_with_its_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}/v1"
    config = _judged_config(tmp_path, url, "judge-model")
    args = ["eval", str(config), "--root", str(REPO_ROOT), "--out", str(tmp_path / "run")]
    assert main([*args, "--state-dir", str(tmp_path / "state")]) == EXIT_INFRA
    err = capsys.readouterr().err
    assert url in err and "judge" in err
    assert "Traceback" not in err
