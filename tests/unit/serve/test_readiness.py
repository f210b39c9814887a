"""/readyz stays 503 until the loader has finished, on a real uvicorn server on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import uvicorn

from ragops.rag.engine import Answer
from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics, exported_histograms, exported_metric_names
from ragops.serve.settings import ServeSettings
from tests.conftest import free_loopback_port


class _Echo:
    """An engine that answers with the question: readiness, not retrieval, is under test here."""

    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        return [Answer(q, q, [], [], {"retrieve": 0.0, "generate": 0.0}) for q in questions]


def _wait(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)


def test_readyz_is_503_until_the_index_is_loaded(tmp_path: Path) -> None:
    release = threading.Event()

    def slow_loader(metrics: ServeMetrics) -> Loaded:
        release.wait(30)
        return Loaded(_Echo(), chunks=3, documents=2)

    settings = ServeSettings(config=tmp_path / "app.yaml", index=tmp_path / "index")
    app = create_app(settings, loader=slow_loader, on_failure=None)
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait(f"{base}/healthz").status_code == 200
        loading = httpx.get(f"{base}/readyz")
        assert loading.status_code == 503 and "loading" in loading.json()["detail"]
        assert httpx.post(f"{base}/v1/query", json={"question": "hi"}).status_code == 503
        assert 'ragops_ready{release="unreleased"} 0.0' in httpx.get(f"{base}/metrics").text
        release.set()
        deadline = time.monotonic() + 30
        while httpx.get(f"{base}/readyz").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert httpx.post(f"{base}/v1/query", json={"question": "hi"}).json()["answer"] == "hi"
        assert 'ragops_ready{release="unreleased"} 1.0' in httpx.get(f"{base}/metrics").text
    finally:
        release.set()
        server.should_exit = True
        thread.join(30)


def test_a_failed_load_is_reported_by_readyz(tmp_path: Path) -> None:
    def failing(metrics: ServeMetrics) -> Loaded:
        raise RuntimeError("disk on fire")

    app = create_app(ServeSettings(config=tmp_path / "a.yaml", index=tmp_path), loader=failing, on_failure=None)
    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait(f"http://127.0.0.1:{port}/healthz")
        deadline = time.monotonic() + 30
        while "disk on fire" not in httpx.get(f"http://127.0.0.1:{port}/readyz").text:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 503
    finally:
        server.should_exit = True
        thread.join(30)


def test_metric_names_are_the_documented_contract() -> None:
    text = ServeMetrics().render().decode()
    assert exported_metric_names() == {
        "ragops_requests_total",
        "ragops_request_duration_seconds",
        "ragops_stage_duration_seconds",
        "ragops_ready",
        "ragops_index_chunks",
        "ragops_index_documents",
        "ragops_inflight_requests",
        "ragops_feedback_total",
        "ragops_answers_total",
        "ragops_answers_abstained_total",
        "ragops_answer_support",
        "ragops_answer_top_score",
        "ragops_release_info",
        "ragops_release_metric",
        "ragops_release_timestamp_seconds",
    }
    assert exported_histograms() == {
        "ragops_request_duration_seconds",
        "ragops_stage_duration_seconds",
        "ragops_answer_support",
        "ragops_answer_top_score",
    }
    for name in ("ragops_ready", "ragops_feedback_total", "ragops_stage_duration_seconds_bucket"):
        assert name in text
