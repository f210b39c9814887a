"""Loading configs: the short form as written in the brief, the full form, and where findings point."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.app.preflight import environment_checks
from ragops.config.loader import load_app_config, read_config
from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from tests.conftest import FIXTURES, REPO_ROOT

SHORT_FORM = FIXTURES / "configs" / "short-form.yaml"


def test_short_form_from_the_brief_validates_unchanged() -> None:
    assert read_config(SHORT_FORM, REPO_ROOT).diagnostics == []  # the config alone is clean
    loaded = read_config(SHORT_FORM, REPO_ROOT, environment_checks)
    assert loaded.form == "short"
    assert loaded.ok, [d.render_text() for d in loaded.diagnostics]
    # Its embedding model is not shipped offline: a pre-flight warning that says how to get it, not an error,
    # located in the short form's own lines.
    assert [d.code for d in loaded.diagnostics] == ["model-offline"]
    assert loaded.diagnostics[0].line == 5


def test_short_form_normalises_to_the_full_form() -> None:
    config = load_app_config(SHORT_FORM, REPO_ROOT)
    spec = config.spec
    assert config.name == "short-form"
    assert spec.retrieval.mode == "vector"
    assert spec.retrieval.top_k == 5
    assert spec.vector_store.type == "faiss"
    assert spec.embedding.model == "BAAI/bge-small-en-v1.5"
    assert spec.llm.provider == "openai"
    assert spec.llm.model == "gpt-3.5-turbo"
    assert spec.llm.temperature == 0.7
    assert spec.prompt.template.startswith("根据以下资料回答问题:\n{context}\n")
    assert spec.data.corpus == "datasets/covid-qa/docs"


def test_full_form_round_trips_through_its_own_dump(tmp_path: Path) -> None:
    config = load_app_config(REPO_ROOT / "rag-configs" / "covid-qa.yaml", REPO_ROOT)
    again = AppConfig.model_validate(config.model_dump(by_alias=True))
    assert again == config


def test_sample_apps_are_valid_without_warnings() -> None:
    for path in sorted((REPO_ROOT / "rag-configs").glob("*.yaml")):
        loaded = read_config(path, REPO_ROOT)
        assert loaded.ok and not loaded.diagnostics, [d.render_text() for d in loaded.diagnostics]


def test_errors_in_the_short_form_point_at_what_the_user_wrote(tmp_path: Path) -> None:
    text = SHORT_FORM.read_text(encoding="utf-8").replace("{question}", "{question} {extra}")
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    (error,) = [d for d in read_config(path, REPO_ROOT).diagnostics if d.is_error]
    assert (error.code, error.line) == ("template-placeholder", 16)
    assert text.splitlines()[error.line - 1][error.column - 1 :].startswith("{extra}")


def test_load_app_config_raises_with_every_error_listed(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("retriever: {type: vectr}\ngenerator: {type: extractive}\nprompt: {template: x}\n")
    with pytest.raises(ValidationFailed) as raised:
        load_app_config(path, REPO_ROOT)
    assert "did you mean 'vector'" in raised.value.message
    assert "missing required key 'data'" in raised.value.message


def test_a_file_name_that_is_no_app_name_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "My App.yaml"
    path.write_text(SHORT_FORM.read_text(encoding="utf-8"), encoding="utf-8")
    errors = [d for d in read_config(path, REPO_ROOT).diagnostics if d.is_error]
    assert [d.code for d in errors] == ["invalid-value"]


def test_unreadable_and_binary_files_are_clean_errors(tmp_path: Path) -> None:
    binary = tmp_path / "x.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    assert [d.code for d in read_config(binary, REPO_ROOT).diagnostics] == ["encoding"]
    folder = tmp_path / "dir.yaml"
    folder.mkdir()
    assert [d.code for d in read_config(folder, REPO_ROOT).diagnostics] == ["unreadable"]
