"""``ragops scan``: personal data in an app's corpus and test sets, located by file, line and column, never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.scan import scan_app
from ragops.cli.main import main
from ragops.config.loader import load_app_config
from tests.support.personal_data import LOOKALIKES, samples

SAMPLES = samples()
EMAIL, PHONE, CARD = SAMPLES[0].value, SAMPLES[1].value, SAMPLES[3].value
CONFIG = """apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: hr
spec:
  data:
    corpus: docs
    testsets: [testsets/t.jsonl]
{privacy}"""


def _repo(root: Path, privacy: str = "") -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'scan-repo'\n")
    (root / "docs").mkdir()
    (root / "docs" / "handbook.md").write_text(
        "# Handbook\n\nAsk HR.\nWrite to " + EMAIL + " or call " + PHONE + ".\n", encoding="utf-8"
    )
    (root / "docs" / "numbers.txt").write_text("Not data: " + " ".join(LOOKALIKES) + "\n", encoding="utf-8")
    (root / "docs" / "records.jsonl").write_text(
        json.dumps({"id": "r1", "text": "clean"}) + "\n" + json.dumps({"id": "r2", "text": f"card {CARD}"}) + "\n"
    )
    (root / "testsets").mkdir()
    record = {"id": "q1", "question": f"Who uses {EMAIL}?", "answers": ["HR"], "gold_doc_ids": ["handbook"]}
    (root / "testsets" / "t.jsonl").write_text(json.dumps(record) + "\n")
    config = root / "hr.yaml"
    config.write_text(CONFIG.format(privacy=privacy))
    return config


def _column(path: Path, line: int, value: str) -> int:
    return path.read_text(encoding="utf-8").splitlines()[line - 1].index(value) + 1


def test_scan_locates_each_value_by_file_line_and_column(tmp_path: Path) -> None:
    config = _repo(tmp_path)
    result = scan_app(load_app_config(config, tmp_path), tmp_path)
    located = {(f.path, f.line, f.column, f.kind, f.role) for f in result.findings}
    handbook, records, testset = (
        tmp_path / "docs" / "handbook.md",
        tmp_path / "docs" / "records.jsonl",
        tmp_path / "testsets" / "t.jsonl",
    )
    assert located == {
        ("docs/handbook.md", 4, _column(handbook, 4, EMAIL), "email", "corpus"),
        ("docs/handbook.md", 4, _column(handbook, 4, PHONE), "phone", "corpus"),
        ("docs/records.jsonl", 2, _column(records, 2, CARD), "card", "corpus"),
        ("testsets/t.jsonl", 1, _column(testset, 1, EMAIL), "email", "testset"),
    }
    assert result.files == 4 and not result.configured and result.counts() == {"card": 1, "email": 2, "phone": 1}


def test_the_app_privacy_settings_choose_what_is_looked_for(tmp_path: Path) -> None:
    config = _repo(tmp_path, privacy="  privacy:\n    detect: [card]\n    action: reject\n")
    result = scan_app(load_app_config(config, tmp_path), tmp_path)
    assert result.configured and {f.kind for f in result.findings} == {"card"}


def test_the_cli_never_prints_a_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _repo(tmp_path, privacy="  privacy: {}\n")
    assert main(["scan", str(config)]) == 0
    text = capsys.readouterr().out
    assert f"docs/handbook.md:4:{len('Write to ') + 1}: email" in text
    assert "hr: 4 value(s) in 3 of 4 file(s) (card 1, email 2, phone 1); spec.privacy action redact" in text
    assert main(["scan", str(config), "--format", "json", "--fail-on-findings"]) == 1
    document = capsys.readouterr().out
    assert json.loads(document)["counts"] == {"card": 1, "email": 2, "phone": 1}
    for value in (EMAIL, PHONE, CARD, CARD[-4:], EMAIL.split("@")[0]):
        assert value not in text and value not in document


def test_a_clean_corpus_passes_fail_on_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _repo(tmp_path)
    for path in [*(tmp_path / "docs").iterdir(), tmp_path / "testsets" / "t.jsonl"]:
        path.write_text(json.dumps({"id": "x", "question": "q", "answers": ["a"], "gold_doc_ids": ["handbook"]}))
    assert main(["scan", str(config), "--fail-on-findings"]) == 0
    assert "hr: no personal data in 4 file(s)" in capsys.readouterr().out
