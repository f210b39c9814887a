"""``ragops eval --endpoint`` against the real service on loopback: it scores exactly what the pipeline's own
retrieve and generate steps score on the same index, records the release the service serves, and an unreachable
endpoint is exit 3 naming it."""

# ruff: noqa: F811  (the session fixtures from tests.support.serving are imported by name)
from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.cli.main import main
from ragops.config.loader import load_app_config
from ragops.evaluation.predictions import read_jsonl
from ragops.evaluation.run_folder import RunFolder
from ragops.evaluation.scoring import score
from ragops.pipelines import steps
from tests.conftest import free_loopback_port
from tests.support.serving import (  # noqa: F401  (fixtures)
    CONFIG,
    EXTRACTIVE,
    Served,
    TinyApp,
    served,
    tiny_app,
)

pytestmark = pytest.mark.e2e

QUESTIONS = [
    ("a1", "How many steps does the alpha handshake have?", ["five"], ["alpha"]),
    ("a2", "When was alpha designed?", ["1998"], ["alpha"]),
    ("b1", "What is the worst case of beta sorting?", ["quadratic"], ["beta"]),
    ("g1", "How are gamma rays produced?", ["radioactive decay"], ["gamma"]),
    ("d1", "Where does a river delta form?", ["at its mouth"], ["delta"]),
    ("e1", "What does epsilon denote in analysis?", ["an arbitrarily small positive quantity"], ["epsilon"]),
]


def _evaluation_config(app: TinyApp) -> Path:
    """The served app's config with a larger test set of its own (the served index and engine are unchanged)."""
    lines = [
        json.dumps({"id": qid, "question": q, "answers": answers, "gold_doc_ids": gold})
        for qid, q, answers, gold in QUESTIONS
    ]
    (app.root / "testsets" / "more.jsonl").write_text("\n".join(lines) + "\n")
    path = app.root / "tiny-more.yaml"
    path.write_text(CONFIG.format(llm=EXTRACTIVE).replace("testsets/t.jsonl", "testsets/more.jsonl"))
    return path


def _in_process_metrics(config_path: Path, app: TinyApp, work: Path) -> tuple[dict[str, float], dict[str, list[str]]]:
    config = load_app_config(config_path, app.root)
    staged = work / "testsets"
    staged.mkdir(parents=True)
    (staged / "more.jsonl").write_text((app.root / "testsets" / "more.jsonl").read_text())
    seconds = steps.retrieve_step(
        steps.retrieval_only(config).model_dump_json(by_alias=True),
        str(app.index),
        str(staged),
        0,
        1,
        str(work / "cache"),
        str(work / "retrieved.jsonl"),
    )
    steps.generate_step(
        steps.generation_only(config).model_dump_json(by_alias=True),
        str(work / "retrieved.jsonl"),
        seconds,
        str(work / "predictions.jsonl"),
    )
    predictions = read_jsonl(work / "predictions.jsonl")
    scoring = score(predictions, steps.read_testsets(staged), config.spec.evaluation.k_values)
    return dict(scoring.metrics), {p.id: p.retrieved_doc_ids for p in predictions}


def test_the_service_scores_like_the_pipeline_and_names_its_release(
    served: Served, tiny_app: TinyApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _evaluation_config(tiny_app)
    out = tmp_path / "run"
    code = main(["eval", str(config), "--endpoint", served.base_url, "--out", str(out), "--concurrency", "3"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "service: release r-2026-01-01-abc" in printed
    contents = RunFolder(out).read()
    endpoint = contents.report.metadata.endpoint
    assert endpoint is not None
    assert (endpoint.release_id, endpoint.index_digest) == ("r-2026-01-01-abc", tiny_app.digest)
    assert endpoint.url == served.base_url and endpoint.failures == []
    assert contents.report.counts.questions == len(QUESTIONS)
    assert contents.index.chunks > 0 and contents.index.index_id == tiny_app.digest
    assert contents.report.timings["latency_p50_ms"] > 0  # measured at the client

    local, local_docs = _in_process_metrics(config, tiny_app, tmp_path / "in-process")
    assert dict(contents.report.metrics) == local  # the same engine, the same index: the same numbers
    assert {p.id: p.retrieved_doc_ids for p in contents.predictions} == local_docs
    assert contents.report.metrics["hit_rate@5"] > 0.5  # a real answer set, not an empty one that happens to agree


def test_an_unreachable_endpoint_is_exit_3_naming_it(
    tiny_app: TinyApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}"
    code = main(["eval", str(tiny_app.config), "--endpoint", url, "--out", str(tmp_path / "run"), "--retries", "1"])
    assert code == 3
    assert f"the service at {url} is unreachable" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing half-written
