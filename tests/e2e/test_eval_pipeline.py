"""`ragops eval` for real on the KFP local runner: the run folder, the cache that follows content, and
determinism of the metrics."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from ragops.app.evaluate import evaluate
from ragops.cli.main import main
from ragops.evaluation import report as report_file
from tests.conftest import FIXTURES, REPO_ROOT

pytestmark = pytest.mark.e2e
CONFIG = FIXTURES / "configs" / "eval-tiny.yaml"


def _metric_sections(folder: Path) -> str:
    document = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return json.dumps({k: document[k] for k in ("metrics", "breakdowns", "counts", "metric_info")})


def test_eval_runs_the_pipeline_caches_by_content_and_is_deterministic(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = evaluate(CONFIG, REPO_ROOT, tmp_path / "run1", state_dir=state)
    for name in ("report.json", "predictions.jsonl", "report.md", "report.html", "kfp.log", "index.json"):
        assert (first.out_dir / name).is_file(), name
    schema = json.loads((REPO_ROOT / "schemas" / "eval-report.v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads((first.out_dir / "report.json").read_text(encoding="utf-8")), schema)
    assert not first.index_reused
    assert first.report.counts.questions == 2
    assert first.report.metrics["hit_rate@2"] == 1.0
    predictions = [json.loads(line) for line in (first.out_dir / "predictions.jsonl").read_text().splitlines()]
    assert {p["id"] for p in predictions} == {"q1", "q2"}
    assert all(p["retrieved_doc_ids"] and "answer" in p for p in predictions)
    assert first.report.metadata.git_commit

    # The same commit again: byte-identical metric sections, and every content-keyed step from the cache.
    second = evaluate(CONFIG, REPO_ROOT, tmp_path / "run2", state_dir=state)
    assert _metric_sections(first.out_dir) == _metric_sections(second.out_dir)
    cached = {e.step for e in second.steps if e.event == "cached"}
    assert {"build-index", "retrieve-testset", "generate-answers"} <= cached

    # Only the prompt changes: the index and the retrieved hits are reused, the answers generated again.
    edited = tmp_path / "eval-tiny.yaml"
    edited.write_text(
        CONFIG.read_text(encoding="utf-8").replace(
            "  llm:\n", "  prompt:\n    template: 'Context: {context}\\nQ: {question}'\n  llm:\n"
        ),
        encoding="utf-8",
    )
    third = evaluate(edited, REPO_ROOT, tmp_path / "run3", state_dir=state)
    steps = {e.step: e.event for e in third.steps if e.event in ("cached", "finished")}
    assert steps["build-index"] == "cached"
    assert steps["retrieve-testset"] == "cached"
    assert steps["generate-answers"] == "finished"
    assert third.index_reused
    assert _metric_sections(third.out_dir) == _metric_sections(first.out_dir)  # the extractive LLM ignores prompts

    # Only the evaluation settings change: the answers are reused and scored again.
    regated = tmp_path / "gate" / "eval-tiny.yaml"
    regated.parent.mkdir()
    regated.write_text(
        CONFIG.read_text(encoding="utf-8") + "    gate:\n      rules:\n        - metric: f1\n          min: 0.0\n",
        encoding="utf-8",
    )
    fourth = evaluate(regated, REPO_ROOT, tmp_path / "run4", state_dir=state)
    assert {"build-index", "retrieve-testset", "generate-answers"} <= {
        e.step for e in fourth.steps if e.event == "cached"
    }
    assert _metric_sections(fourth.out_dir) == _metric_sections(first.out_dir)

    # Only a retrieval setting changes: the index is reused, retrieval and generation run again.
    retuned = tmp_path / "retrieval" / "eval-tiny.yaml"
    retuned.parent.mkdir()
    retuned.write_text(CONFIG.read_text(encoding="utf-8").replace("top_k: 2", "top_k: 1"), encoding="utf-8")
    fifth = evaluate(retuned, REPO_ROOT, tmp_path / "run5", state_dir=state)
    steps = {e.step: e.event for e in fifth.steps if e.event in ("cached", "finished")}
    assert steps["build-index"] == "cached"
    assert steps["retrieve-testset"] == "finished" and steps["generate-answers"] == "finished"


def test_eval_cli_prints_metrics_and_the_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["eval", str(CONFIG), "--out", str(tmp_path / "run"), "--shards", "2", "--state-dir", str(tmp_path / "s")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "2 questions" in out and "run folder:" in out
    report = report_file.read(tmp_path / "run" / "report.json")
    assert report.counts.questions == 2  # both shards were scored together
    print("after")  # the runner's threads must not leave its indenting print behind
    assert capsys.readouterr().out == "after\n"


def test_eval_of_an_invalid_config_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(FIXTURES / "invalid" / "top-k-zero.yaml")]) == 1
    assert "Traceback" not in capsys.readouterr().err
