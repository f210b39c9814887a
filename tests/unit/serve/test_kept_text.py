"""Users' words in the service's logs and feedback: absent unless enabled, and then redacted like the corpus."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from ragops.config.privacy import PrivacySpec
from ragops.rag.engine import Answer
from ragops.serve.app import Loaded, create_app
from ragops.serve.feedback import FEEDBACK, REQUESTS
from ragops.serve.kept_text import KeptText
from ragops.serve.metrics import ServeMetrics
from ragops.serve.settings import ServeSettings
from tests.support.personal_data import samples
from tests.support.service_log import CapturedLog, captured_log
from tests.support.serving import in_process

EMAIL, PHONE = samples()[0].value, samples()[1].value
QUESTION = f"Is {EMAIL} the address of the HR desk?"


class _Echo:
    """An engine that answers with the question (as an LLM might repeat it): the service's text handling is
    under test, not retrieval."""

    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        return [Answer(q, f"You asked: {q}", [], [], {"retrieve": 0.0, "generate": 0.0}) for q in questions]


@contextmanager
def _serving(tmp_path: Path, privacy: PrivacySpec | None, **settings: Any) -> Iterator[str]:
    def loader(metrics: ServeMetrics) -> Loaded:
        return Loaded(_Echo(), chunks=1, documents=1, privacy=privacy)

    serve = ServeSettings(config=tmp_path / "a.yaml", index=tmp_path, feedback_dir=tmp_path / "feedback", **settings)
    with in_process(create_app(serve, loader, None)) as base:
        yield base


def _ask_and_rate(base: str) -> None:
    request_id = httpx.post(f"{base}/v1/query", json={"question": QUESTION}).json()["request_id"]
    comment = f"wrong, call {PHONE}"
    rated = httpx.post(f"{base}/v1/feedback", json={"request_id": request_id, "rating": "down", "comment": comment})
    assert rated.status_code == 200


def _query_lines(log: CapturedLog) -> list[dict[str, Any]]:
    lines = log.events("request", path="/v1/query")
    assert len(lines) == 1  # one question asked: one request line
    return lines


def test_by_default_no_question_or_comment_is_logged_or_kept(tmp_path: Path) -> None:
    with captured_log() as log, _serving(tmp_path, PrivacySpec()) as base:
        _ask_and_rate(base)
    stored = (tmp_path / "feedback" / REQUESTS).read_text() + (tmp_path / "feedback" / FEEDBACK).read_text()
    assert "wrong, call" not in stored and EMAIL not in stored and PHONE not in stored
    [rating] = [json.loads(line) for line in (tmp_path / "feedback" / FEEDBACK).read_text().splitlines()]
    assert rating["comment"] is None and rating["request"]["question"] is None
    assert rating["request"]["answer"] == "You asked: Is [EMAIL] the address of the HR desk?"  # answers: redacted
    assert all("question" not in line for line in _query_lines(log))
    assert EMAIL not in log.text and "HR desk" not in log.text


def test_enabled_text_is_redacted_as_the_corpus_is(tmp_path: Path) -> None:
    with captured_log() as log, _serving(tmp_path, PrivacySpec(), log_questions=True, feedback_text=True) as base:
        _ask_and_rate(base)
    [rating] = [json.loads(line) for line in (tmp_path / "feedback" / FEEDBACK).read_text().splitlines()]
    assert rating["request"]["question"] == "Is [EMAIL] the address of the HR desk?"
    assert rating["comment"] == "wrong, call [PHONE]"
    logged = [line["question"] for line in _query_lines(log) if "question" in line]
    assert logged == ["Is [EMAIL] the address of the HR desk?"]
    everything = (tmp_path / "feedback" / REQUESTS).read_text() + log.text
    assert EMAIL not in everything and PHONE not in everything


def test_without_spec_privacy_enabled_text_is_kept_as_written() -> None:
    kept = KeptText(log_questions=True, feedback_text=False, privacy=None)
    assert kept.for_log(QUESTION) == QUESTION and kept.for_feedback(QUESTION) is None
    assert KeptText(False, True, PrivacySpec(detect=["phone"])).for_feedback(f"{EMAIL} {PHONE}") == f"{EMAIL} [PHONE]"
