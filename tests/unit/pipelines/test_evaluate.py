"""The pipeline's arguments: staged test sets follow content and the question limit; provenance is recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragops.config.models import AppConfig
from ragops.data.fingerprint import file_fingerprint
from ragops.pipelines.evaluate import pipeline_arguments


def _repo(tmp_path: Path, questions: int) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Bats carry coronaviruses.", encoding="utf-8")
    (tmp_path / "testsets").mkdir()
    lines = [
        json.dumps({"id": f"q{i}", "question": f"Question {i}?", "answers": ["bats"], "gold_doc_ids": ["a"]})
        for i in range(questions)
    ]
    lines.insert(2, "")  # a blank line is not a question
    (tmp_path / "testsets" / "t.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _config(**evaluation: Any) -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": "app"},
            "spec": {"data": {"corpus": "docs", "testsets": ["testsets/t.jsonl"]}, "evaluation": evaluation},
        }
    )


def _staged(arguments: dict[str, Any]) -> list[str]:
    folder = json.loads(arguments["testsets_manifest_json"])["entries"][0]["store"]
    return (Path(folder) / "t.jsonl").read_text(encoding="utf-8").splitlines()


def test_max_questions_stages_the_first_questions_and_keys_the_cache_on_the_limit(tmp_path: Path) -> None:
    root = _repo(tmp_path, 5)
    state = tmp_path / "state"
    whole = pipeline_arguments(_config(), root, state, 1)
    cut = pipeline_arguments(_config(max_questions=3), root, state, 1)
    assert len(_staged(whole)) == 6 and [json.loads(line)["id"] for line in _staged(cut)] == ["q0", "q1", "q2"]
    assert cut["testsets_hash"] != whole["testsets_hash"]
    # The report records the hash of the test set in the repository, whatever the limit.
    recorded = json.loads(cut["metadata_json"])["testset_hashes"]
    assert recorded == {"t": file_fingerprint(root / "testsets" / "t.jsonl")}
    assert recorded == json.loads(whole["metadata_json"])["testset_hashes"]


def test_the_metadata_records_how_timings_were_measured(tmp_path: Path) -> None:
    arguments = pipeline_arguments(_config(), _repo(tmp_path, 1), tmp_path / "state", 1)
    conditions = json.loads(arguments["metadata_json"])["timing_conditions"]
    assert conditions.startswith("question vectors at hand") and "CPU(s)" in conditions
