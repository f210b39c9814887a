"""`ragops validate` as a user runs it: formats, exit codes, and no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.cli.main import main
from tests.conftest import FIXTURES, REPO_ROOT

BAD = FIXTURES / "invalid" / "unknown-retrieval-mode.yaml"


def test_the_repository_validates(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    assert main(["validate"]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_text_format_names_file_line_column_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(REPO_ROOT), str(BAD)]) == 1
    out = capsys.readouterr().out
    assert "tests/fixtures/invalid/unknown-retrieval-mode.yaml:11:11: error[unknown-type]" in out
    assert "did you mean 'vector'?" in out


def test_github_format_prints_workflow_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(REPO_ROOT), "--format", "github", str(BAD)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("::error file=tests/fixtures/invalid/unknown-retrieval-mode.yaml,line=11,col=11,")


def test_json_format_is_machine_readable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--root", str(REPO_ROOT), "--format", "json", str(BAD)]) == 1
    (item,) = json.loads(capsys.readouterr().out)
    assert item["code"] == "unknown-type" and item["line"] == 11 and item["severity"] == "error"


def test_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    short = str(FIXTURES / "configs" / "short-form.yaml")
    assert main(["validate", "--root", str(REPO_ROOT), short]) == 0
    assert main(["validate", "--root", str(REPO_ROOT), "--strict", short]) == 1


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    (tmp_path / "notes.txt").write_text("hi")
    assert main(["validate", str(tmp_path / "notes.txt")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such file" in err
    with pytest.raises(SystemExit) as raised:
        main(["validate", "--format", "xml"])
    assert raised.value.code == 2


def test_export_kotaemon_prints_python(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "kotaemon", str(REPO_ROOT / "rag-configs" / "covid-qa.yaml")]) == 0
    captured = capsys.readouterr()
    assert "KH_EMBEDDINGS = {" in captured.out
    assert "not exported" in captured.err


def test_export_of_an_invalid_config_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "kotaemon", str(BAD)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_ci_mode_fails_an_app_ci_cannot_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("Bats carry coronaviruses.")
    (tmp_path / "testsets").mkdir()
    record = {"id": "q1", "question": "Who carries coronaviruses?", "answers": ["bats"], "gold_doc_ids": ["a"]}
    (tmp_path / "testsets" / "t.jsonl").write_text(json.dumps(record) + "\n")
    config = tmp_path / "app.yaml"
    config.write_text(
        "apiVersion: ragops.dev/v1\nkind: RAGApp\nmetadata:\n  name: app\nspec:\n"
        "  data:\n    corpus: docs\n    testsets: [testsets/t.jsonl]\n"
        "  llm:\n    provider: openai\n    model: llama3:8b\n    base_url: http://localhost:11434/v1\n"
    )
    monkeypatch.delenv("RAGOPS_LLM_BASE_URL", raising=False)
    assert main(["validate", "--root", str(tmp_path), str(config)]) == 0
    capsys.readouterr()
    assert main(["validate", "--root", str(tmp_path), "--ci", str(config)]) == 1
    out = capsys.readouterr().out
    assert "app.yaml:12:5: error[ci-unreachable]: llm endpoint cannot be evaluated in CI" in out
    assert "add `base_url_env: RAGOPS_LLM_BASE_URL` to spec.llm" in out


def test_the_shipped_apps_validate_in_ci_mode(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repository as a user gets it: every app can be evaluated by the workflows out of the box."""
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.delenv("RAGOPS_LLM_BASE_URL", raising=False)
    assert main(["validate", "--ci"]) == 0, capsys.readouterr().out
