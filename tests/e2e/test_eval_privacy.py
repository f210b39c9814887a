"""`ragops eval` on an app with spec.privacy, for real on the KFP local runner: the index step redacts the
documents, the answers are built from redacted text, and the report says how many values were redacted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.evaluate import evaluate
from tests.support.personal_data import samples
from tests.support.scratch_repo import APP, commit_all, scratch_repo, tiny_config, write_config

pytestmark = pytest.mark.e2e
EMAIL, PHONE = samples()[0].value, samples()[1].value


def test_eval_redacts_at_ingest_and_reports_it(tmp_path: Path) -> None:
    root = scratch_repo(tmp_path)
    alpha = root / "datasets" / "tiny" / "docs" / "alpha.txt"
    alpha.write_text(alpha.read_text(encoding="utf-8") + f" Its designer answers at {EMAIL} or {PHONE}.\n")
    config = tiny_config()
    config["spec"]["privacy"] = {"detect": ["email", "phone"]}  # type: ignore[index]
    write_config(root, config)
    commit_all(root, "an app with personal data in its corpus")

    run = evaluate(root / "rag-configs" / f"{APP}.yaml", root, tmp_path / "run", state_dir=tmp_path / "state")

    privacy = run.report.metadata.privacy
    assert privacy is not None and privacy.found == {"email": 1, "phone": 1} and privacy.redacted == 2
    assert run.index.privacy == privacy
    document = json.loads((run.out_dir / "report.json").read_text(encoding="utf-8"))
    assert document["metadata"]["privacy"]["redacted"] == 2
    assert "2 value(s) in 1 document(s) (email 1, phone 1), 2 redacted" in (run.out_dir / "report.md").read_text()
    predictions = (run.out_dir / "predictions.jsonl").read_text(encoding="utf-8")
    assert EMAIL not in predictions and PHONE not in predictions
    assert "[EMAIL]" in predictions or "[PHONE]" in predictions  # the alpha chunks were retrieved, redacted
