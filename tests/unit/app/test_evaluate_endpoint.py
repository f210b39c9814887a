"""``ragops eval --endpoint`` against a misbehaving service on loopback: every failure is counted and listed, the
run folder is still complete, and nothing is a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.cli.main import main
from ragops.errors import UsageError
from ragops.evaluation.run_folder import RunFolder
from tests.support.scripted_service import DIGEST, RELEASE, scripted_service
from tests.support.serving import write_app


def _app(root: Path, questions: list[str], history: bool = False) -> Path:
    config = write_app(root)
    records = [
        {"id": f"q{i}", "question": q, "answers": ["x"], "gold_doc_ids": ["alpha"]} for i, q in enumerate(questions)
    ]
    if history:  # a conversation: its second turn is asked with the first as history
        turns = [{"question": q, "answers": ["x"], "gold_doc_ids": ["alpha"]} for q in questions]
        records = [{"id": "c1", "turns": turns}]
    (root / "testsets" / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return config


def test_failures_are_counted_listed_and_the_run_complete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _app(tmp_path, ["ok a", "garbage b", "flaky c", "error d"])
    out = tmp_path / "runs" / "one"
    with scripted_service() as (url, attempts):
        code = main(["eval", str(config), "--endpoint", url, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 1
    assert "2 question(s) were not answered usably" in printed
    assert "t/q1: malformed response" in printed and "t/q3: HTTP 500" in printed
    assert attempts["flaky c"] == 2
    contents = RunFolder(out).read()
    endpoint = contents.report.metadata.endpoint
    assert endpoint is not None and (endpoint.release_id, endpoint.index_digest) == (RELEASE, DIGEST)
    assert [(f.testset, f.id) for f in endpoint.failures] == [("t", "q1"), ("t", "q3")]
    failed = {p.id: p for p in contents.predictions if p.id in {"q1", "q3"}}
    assert all(p.answer == "" and p.retrieved_doc_ids == [] for p in failed.values())
    assert contents.report.counts.questions == 4
    assert contents.report.metrics["hit_rate@5"] == 0.5  # the two answered questions found alpha, the failures not


def test_conversational_test_sets_are_refused_before_asking(tmp_path: Path) -> None:
    from ragops.app.evaluate_endpoint import evaluate_endpoint

    config = _app(tmp_path, ["ok a", "ok b"], history=True)
    with pytest.raises(UsageError, match="conversation history"):
        evaluate_endpoint(config, tmp_path, "http://127.0.0.1:9", tmp_path / "run")


def test_an_endpoint_that_is_not_a_url_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _app(tmp_path, ["ok a"])
    assert main(["eval", str(config), "--endpoint", "127.0.0.1:8000"]) == 2
    assert "give the service's base URL" in capsys.readouterr().err
