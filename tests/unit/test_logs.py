"""ragops.logs: one logger, text or JSON lines on stderr, with bound fields; JSON mode lets no plain text out."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from ragops import log_lines, logs
from ragops.progress import STEP_EVENT, StepEmitter, parse_step_line
from ragops.rag.engine import Answer
from ragops.serve.app import Loaded, configure_service_logs, create_app
from ragops.serve.settings import ServeSettings


def _json_lines(text: str) -> list[dict[str, object]]:
    lines = [line for line in text.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(item, dict) for item in parsed), lines
    return parsed


def test_json_mode_writes_one_object_per_line_with_the_bound_fields(capsys: pytest.CaptureFixture[str]) -> None:
    log = logs.get_logger("ragops.test")
    with logs.session("json", run_id="r1", command="eval"):
        logs.bind(app="covid-qa")
        with logs.bound(step="build-index"):
            log.info("step_finished", message="  ✓ build-index: success", duration_s=1.5)
        log.info("machines_only", message=None, metrics={"f1": 0.5})
    events = _json_lines(capsys.readouterr().err)
    assert [e["event"] for e in events] == ["step_finished", "machines_only"]
    first, second = events
    assert first["run_id"] == "r1" and first["app"] == "covid-qa" and first["command"] == "eval"
    assert first["step"] == "build-index" and first["duration_s"] == 1.5 and first["logger"] == "ragops.test"
    assert first["message"] == "✓ build-index: success" and first["level"] == "info" and "timestamp" in first
    assert "step" not in second and "message" not in second and second["metrics"] == {"f1": 0.5}


def test_json_mode_turns_other_libraries_output_into_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    with logs.session("json", run_id="r2"):
        logging.getLogger("kfp").warning("a library's warning")
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn("a deprecation", DeprecationWarning, stacklevel=1)
        print("a stray print\nover two lines", file=sys.stderr)
        sys.stderr.write("no newline at the end")
    events = _json_lines(capsys.readouterr().err)
    messages = [str(e.get("message", e.get("event"))) for e in events]
    assert any("a library's warning" in m for m in messages)
    assert any("a deprecation" in m for m in messages)
    assert "a stray print" in messages and "over two lines" in messages and "no newline at the end" in messages
    assert all(e["run_id"] == "r2" for e in events)


def test_text_mode_prints_the_human_line_only(capsys: pytest.CaptureFixture[str]) -> None:
    log = logs.get_logger("ragops.test")
    with logs.session("text", run_id="r3"):
        log.info("step_started", message="  ▸ build-index …", step="build-index")
        log.info("machines_only", message=None, duration_s=2.0)
        log.warning("cache_reset", path="/x")
    assert capsys.readouterr().err == "  ▸ build-index …\nragops: warning: cache_reset (path=/x)\n"


def test_process_fields_reach_events_logged_from_other_threads(capsys: pytest.CaptureFixture[str]) -> None:
    log = logs.get_logger("ragops.test")
    with logs.session("json", run_id="r4"):
        logs.bind(app="hotpotqa")
        worker = threading.Thread(target=lambda: log.info("from_a_thread", message=None))
        worker.start()
        worker.join()
    (event,) = _json_lines(capsys.readouterr().err)
    assert event["run_id"] == "r4" and event["app"] == "hotpotqa"


def test_a_session_restores_stderr_and_logging_afterwards() -> None:
    before = sys.stderr, list(logging.getLogger().handlers), logs.current_format(), logs.context()
    with logs.session("json", run_id="r-session"):
        assert sys.stderr is not before[0]
        assert logs.current_format() == "json"
        assert logs.context()["run_id"] == "r-session"
    # Whatever was bound before (other tests may have used the library outside a session) is what remains.
    assert (sys.stderr, list(logging.getLogger().handlers), logs.current_format(), logs.context()) == before


def test_a_live_status_line_is_ended_before_the_next_log_line(capsys: pytest.CaptureFixture[str]) -> None:
    with logs.session("text"):
        logs.write_status("embedding chunks 1/2", final=False)
        logs.get_logger("ragops.test").info("done", message="finished")
    assert capsys.readouterr().err == "\rembedding chunks 1/2\x1b[K\nfinished\n"


def test_unknown_formats_and_levels_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="log format"):
        logs.configure("xml")
    with pytest.raises(ValueError, match="log level"):
        logs.configure("text", "loud")
    monkeypatch.setenv(logs.FORMAT_ENV, "JSON")
    assert logs.format_from_env() == "json"
    monkeypatch.setenv(logs.FORMAT_ENV, "yaml")
    assert logs.format_from_env() == "text"


class _Echo:
    """An engine that answers with the question: the log lines, not retrieval, are under test."""

    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        return [Answer(q, q, [], [], {"retrieve": 0.0, "generate": 0.0}) for q in questions]


def test_the_cli_the_pipeline_and_the_service_write_one_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = ServeSettings(config=tmp_path / "app.yaml", index=tmp_path / "index")
    with logs.session("json", run_id="r9", command="eval"):
        logs.get_logger("ragops.cli.eval").info("step_finished", message="  ✓ s: success", step="s", duration_s=1.0)
        StepEmitter("build-index", stream=sys.stderr)("embed", 5, 5)  # what a pipeline step writes
        configure_service_logs(settings)
        app = create_app(settings, loader=lambda _metrics: Loaded(_Echo(), chunks=1, documents=1), on_failure=None)
        with TestClient(app) as client:
            deadline = time.monotonic() + 30
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            reply = client.post("/v1/query", json={"question": "hi"}, headers={"X-Request-ID": "req-1"})
            assert reply.status_code == 200
    events = _json_lines(capsys.readouterr().err)
    for event in events:
        assert all(field in event for field in log_lines.REQUIRED_FIELDS), event
        assert list(event)[:2] == ["timestamp", "level"] and str(event["timestamp"]).endswith("Z")
    by_event = {str(e["event"]): e for e in events}
    assert by_event["step_finished"]["logger"] == "ragops.cli.eval" and by_event["step_finished"]["run_id"] == "r9"
    progress = by_event[STEP_EVENT]
    assert parse_step_line(json.dumps(progress)) == ("build-index", "embed", 5, 5)
    assert by_event["ready"]["logger"] == "ragops.serve" and by_event["ready"]["command"] == "serve"
    # The access log keeps the fields its readers rely on.
    access = next(e for e in events if e["event"] == "request" and e.get("path") == "/v1/query")
    # The service issues the request id; the client's own is kept beside it for correlation.
    assert access["request_id"] == reply.headers["x-request-id"] != "req-1" and access["client_request_id"] == "req-1"
    assert access["method"] == "POST" and access["status"] == 200
    assert isinstance(access["latency_ms"], float) and access["level"] == "info" and access["logger"] == "ragops.serve"
