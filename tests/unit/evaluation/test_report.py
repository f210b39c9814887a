"""Scoring into a report: determinism, the JSON Schema, naming, completeness checks and timings."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from ragops.app import schemas as schema
from ragops.config.gate import METRIC_NAME_PATTERN
from ragops.errors import ValidationFailed
from ragops.evaluation import report as report_module
from ragops.evaluation.predictions import dumps_jsonl, loads_jsonl
from ragops.evaluation.provenance import installed_versions
from ragops.evaluation.report import Metadata, Report
from ragops.evaluation.scoring import build_report, score
from tests.support.runs import Run, make_run

K_VALUES = [1, 3, 5, 10]


def _metadata() -> Metadata:
    return Metadata(
        git_commit="0123abcd" * 5,
        config_hash="sha256:cfg",
        corpus_hash="sha256:corpus",
        testset_hashes={"alpha": "sha256:a", "beta": "sha256:b"},
        index_id="idx-1",
        k_values=K_VALUES,
        package_versions=installed_versions(["pydantic", "rouge-score", "sacrebleu", "not-installed-x"]),
        models={"embedding": "sentence-transformers/all-MiniLM-L6-v2", "llm": "extractive"},
    )


def _report(run: Run, shuffle_seed: int | None = None) -> tuple[Report, str]:
    predictions = list(run.predictions)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(predictions)
    scoring = score(predictions, run.testsets, K_VALUES, wall_seconds=12.5)
    return build_report(scoring, app="demo", metadata=_metadata()), dumps_jsonl(scoring.predictions)


def test_scoring_twice_gives_identical_bytes(run: Run) -> None:
    first, first_predictions = _report(run)
    # A fresh run object and a different prediction order (as after sharded answering) change nothing.
    second, second_predictions = _report(make_run(), shuffle_seed=3)
    assert report_module.dumps(first).encode() == report_module.dumps(second).encode()
    assert first_predictions.encode() == second_predictions.encode()


def test_values_are_rounded_to_six_places(run: Run) -> None:
    written, predictions = _report(run)
    text = report_module.dumps(written)
    for number in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", text):
        assert float(number) == round(float(number), 6)
    for line in predictions.splitlines():
        for value in json.loads(line)["metrics"].values():
            assert value == round(value, 6)


def test_report_validates_against_the_checked_in_schema(run: Run, repo_root: Path) -> None:
    path = repo_root / "schemas" / "eval-report.v1.json"
    checked_in = json.loads(path.read_text(encoding="utf-8"))
    assert checked_in == schema.generate()["eval-report.v1.json"], "stale schema: run ragops schemas"
    validator = jsonschema.Draft202012Validator(checked_in)
    written, _ = _report(run)
    document = json.loads(report_module.dumps(written))
    validator.validate(document)
    document["metrics"]["Hit Rate"] = 1.0
    assert not validator.is_valid(document)


def test_report_round_trips_through_a_file(run: Run, tmp_path: Path) -> None:
    written, _ = _report(run)
    report_module.write(tmp_path / "report.json", written)
    assert report_module.read(tmp_path / "report.json") == written
    (tmp_path / "bad.json").write_text('{"schema_version": 1}', encoding="utf-8")
    with pytest.raises(ValidationFailed, match="not a valid eval report"):
        report_module.read(tmp_path / "bad.json")


def test_metric_names_and_order(run: Run) -> None:
    scoring = score(run.predictions, run.testsets, [5, 1, 5])
    ranked = ["hit_rate", "recall", "precision", "mrr", "ndcg", "chunk_hit_rate", "chunk_recall", "chunk_precision"]
    expected = [f"{name}@{k}" for name in [*ranked, "chunk_mrr"] for k in (1, 5)]
    expected += ["exact_match", "f1", "rouge_l", "bleu", "answer_support", "citation_correctness"]
    assert list(scoring.metrics) == expected
    assert all(re.fullmatch(METRIC_NAME_PATTERN, name) for name in [*scoring.metrics, *scoring.timings])
    assert set(scoring.metric_info) == set(scoring.metrics) | set(scoring.timings)
    assert scoring.metric_info["f1"].role == "gate" and scoring.metric_info["f1"].direction == "higher"
    assert scoring.metric_info["latency_p95_ms"].direction == "lower"
    assert scoring.metric_info["latency_p95_ms"].role == "advisory"


def test_breakdowns_and_counts(run: Run) -> None:
    scoring = score(run.predictions, run.testsets, K_VALUES)
    assert scoring.counts.questions == 75
    assert scoring.counts.testsets == {"alpha": 45, "beta": 30}
    # beta's app does not cite: citation correctness is scored on alpha only, and the overall value is alpha's.
    assert "citation_correctness" not in scoring.breakdowns.testsets["beta"]
    assert scoring.counts.scored["citation_correctness"] == 45
    assert scoring.metrics["citation_correctness"] == scoring.breakdowns.testsets["alpha"]["citation_correctness"]
    tags = {(name, r.id): r.tags for name, records in run.testsets.items() for r in records}
    tagged = [p for p in scoring.predictions if "numeric" in tags[p.key]]
    assert scoring.counts.tags["numeric"] == len(tagged)
    mean = sum(p.metrics["f1"] for p in tagged) / len(tagged)
    assert scoring.breakdowns.tags["numeric"]["f1"] == pytest.approx(mean, abs=1e-6)


def test_incomplete_or_unknown_predictions_are_rejected(run: Run) -> None:
    with pytest.raises(ValidationFailed, match="no prediction for 1 question"):
        score(run.predictions[1:], run.testsets, K_VALUES)
    stray = run.predictions[0].model_copy(update={"testset": "gamma"})
    with pytest.raises(ValidationFailed, match="unknown question"):
        score([*run.predictions, stray], run.testsets, K_VALUES)
    with pytest.raises(ValidationFailed, match="two predictions"):
        score([*run.predictions, run.predictions[0]], run.testsets, K_VALUES)


def test_timings(run: Run) -> None:
    scoring = score(run.predictions, run.testsets, K_VALUES, wall_seconds=15.0)
    totals = [p.latency_ms.total for p in run.predictions]
    assert scoring.timings["latency_p95_ms"] == pytest.approx(float(np.percentile(totals, 95)), abs=1e-6)
    assert scoring.timings["retrieve_latency_p50_ms"] == pytest.approx(
        float(np.median([p.latency_ms.retrieve for p in run.predictions])), abs=1e-6
    )
    assert scoring.timings["prompt_tokens_total"] == sum(p.prompt_tokens for p in run.predictions)
    assert scoring.timings["questions_per_second"] == 5.0
    assert "questions_per_second" not in score(run.predictions, run.testsets, K_VALUES).timings


def test_predictions_jsonl_round_trip_and_errors(run: Run) -> None:
    text = dumps_jsonl(run.predictions)
    assert loads_jsonl(text) == run.predictions
    with pytest.raises(ValidationFailed, match=r"predictions:2: not a valid prediction"):
        loads_jsonl(text.splitlines()[0] + "\n{}\n")
    duplicated = json.loads(text.splitlines()[1])
    duplicated["retrieved_doc_ids"] = ["a", "a"]
    with pytest.raises(ValidationFailed, match="distinct"):
        loads_jsonl(json.dumps(duplicated))
