"""Kotaemon export: Kotaemon's own class paths, env references for secrets, and no silent mapping."""

from __future__ import annotations

import ast
import json

from ragops.config.kotaemon import export
from ragops.config.loader import load_app_config
from ragops.config.privacy import PrivacySpec
from tests.conftest import FIXTURES, REPO_ROOT


def test_offline_sample_exports_with_unmapped_parts_listed() -> None:
    result = export(load_app_config(REPO_ROOT / "rag-configs/covid-qa.yaml", REPO_ROOT))
    settings = result.settings
    embedding = settings["KH_EMBEDDINGS"]["covid-qa"]["spec"]
    assert embedding["__type__"] == "kotaemon.embeddings.FastEmbedEmbeddings"
    assert embedding["model_name"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert "KH_VECTORSTORE" not in settings  # FAISS has no Kotaemon counterpart: never guessed
    assert any("FAISS" in note for note in result.unmapped)
    assert any("extractive" in note for note in result.unmapped)
    assert settings["FILE_INDEX_PIPELINE_SPLITTER_CHUNK_SIZE"] == 256
    assert settings["KH_REASONINGS"] == ["ktem.reasoning.simple.FullQAPipeline"]
    assert settings["SETTINGS_DEFAULTS"]["index.options.1.retrieval_mode"] == "hybrid"


def test_openai_app_exports_chat_openai_with_the_key_from_the_environment() -> None:
    config = load_app_config(FIXTURES / "configs/short-form.yaml", REPO_ROOT)
    result = export(config, vector_store="chroma")
    llm = result.settings["KH_LLMS"]["short-form"]["spec"]
    assert llm["__type__"] == "kotaemon.llms.ChatOpenAI"
    assert (llm["model"], llm["temperature"]) == ("gpt-3.5-turbo", 0.7)
    assert result.settings["KH_VECTORSTORE"]["__type__"] == "kotaemon.storages.ChromaVectorStore"
    assert json.loads(result.to_json())["KH_LLMS"]["short-form"]["spec"]["api_key"] == "${OPENAI_API_KEY}"
    python = result.to_python()
    assert 'config("OPENAI_API_KEY", default="")' in python
    ast.parse(python)  # pastes into flowsettings.py as valid Python


def test_conversation_settings_export_in_kotaemons_keys_and_the_rest_is_listed() -> None:
    offline = export(load_app_config(REPO_ROOT / "rag-configs/hotpotqa.yaml", REPO_ROOT))
    defaults = offline.settings["SETTINGS_DEFAULTS"]
    assert defaults["reasoning.options.simple.n_last_interactions"] == 5
    assert defaults["reasoning.options.simple.trigger_context"] == 150
    assert any("condense rule" in note and "AddQueryContextPipeline" in note for note in offline.unmapped)
    llm = export(load_app_config(FIXTURES / "configs/short-form.yaml", REPO_ROOT))
    assert not any("condense" in note for note in llm.unmapped)  # the LLM condenses, as in Kotaemon
    assert any("n_last_interactions" in note for note in llm.unmapped)


def test_personal_data_redaction_is_listed_as_not_exported() -> None:
    config = load_app_config(REPO_ROOT / "rag-configs/covid-qa.yaml", REPO_ROOT)
    assert not any("privacy" in note for note in export(config).unmapped)
    private = config.model_copy(update={"spec": config.spec.model_copy(update={"privacy": PrivacySpec()})})
    [note] = [note for note in export(private).unmapped if note.startswith("privacy")]
    assert "redact email, phone, card, iban, national_id, ip" in note and "ragops scan" in note
