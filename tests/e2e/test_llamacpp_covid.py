"""The ``openai`` generator against a real model server: SmolLM2-135M-Instruct on llama.cpp, on loopback
(the ``llama_server`` fixture of ``tests/e2e/conftest.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index
from tests.conftest import REPO_ROOT
from tests.support.llama import LlamaServer

pytestmark = pytest.mark.e2e
CONFIG = REPO_ROOT / "rag-configs" / "covid-qa-llamacpp.yaml"
TESTSET = REPO_ROOT / "datasets" / "covid-qa" / "testsets" / "covid-qa.jsonl"
QUESTIONS = 3


def _app(base_url: str, corpus: Path) -> AppConfig:
    """The sample config, pointed at this test's server and at a corpus holding just the questions' documents."""
    config = load_app_config(CONFIG, REPO_ROOT)
    spec = config.spec
    return config.model_copy(
        update={
            "spec": spec.model_copy(
                update={
                    "llm": spec.llm.model_copy(update={"base_url": base_url}),
                    "data": spec.data.model_copy(update={"corpus": str(corpus)}),
                }
            )
        }
    )


def test_covid_questions_get_real_answers_from_the_local_llm(llama_server: LlamaServer, tmp_path: Path) -> None:
    records = [json.loads(line) for line in TESTSET.read_text(encoding="utf-8").splitlines()[:QUESTIONS]]
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for doc_id in {d for r in records for d in r["gold_doc_ids"]}:
        shutil.copy(REPO_ROOT / "datasets" / "covid-qa" / "docs" / f"{doc_id}.txt", corpus)
    config = _app(llama_server.base_url, corpus)
    build_index(config, REPO_ROOT / config.spec.data.corpus, tmp_path / "index", tmp_path / "cache", root=REPO_ROOT)
    engine = RagEngine(config, load_index(tmp_path / "index"), REPO_ROOT)

    answers = engine.answer_many([r["question"] for r in records])

    for record, answer in zip(records, answers, strict=True):
        assert answer.hits and answer.hits[0].doc_id in {d for r in records for d in r["gold_doc_ids"]}
        assert len(answer.answer.split()) >= 2, answer.answer
        assert answer.prompt is not None and record["question"] in answer.prompt
        assert f"(source: {answer.hits[0].doc_id})" in answer.prompt
        assert answer.prompt_tokens > 100 and answer.completion_tokens > 0
        assert 0 < answer.latency_ms["generate"] < 120_000
