"""Feedback storage and its export as test-set candidates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from ragops.app.feedback import export_feedback
from ragops.config.testset import QuestionRecord
from ragops.serve.feedback import FEEDBACK, REQUESTS, REQUESTS_PREVIOUS, FeedbackStore, RequestRecord


def _record(request_id: str, question: str | None = "Why?") -> RequestRecord:
    return RequestRecord(request_id, "2026-01-01T00:00:00Z", question, "Because.", ["d1", "d2"], ["d1"], [], "r1")


def test_ratings_are_found_by_request_id_after_a_restart_and_exported(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.record_request(_record("a", "What is alpha?"))
    store.record_request(_record("b"))
    assert store.add_feedback("a", "down", "wrong document")
    restarted = FeedbackStore(tmp_path)  # nothing in memory: the request log on disk answers
    assert restarted.add_feedback("b", "up", None)
    assert not restarted.add_feedback("unknown", "down", None)
    exported = export_feedback(tmp_path, tmp_path / "out" / "candidates.jsonl")
    assert exported.ratings == 2
    [line] = [json.loads(text) for text in (tmp_path / "out" / "candidates.jsonl").read_text().splitlines()]
    assert line["id"] == "feedback-a" and line["question"] == "What is alpha?"
    assert line["candidate"]["comment"] == "wrong document"
    assert line["candidate"]["retrieved_doc_ids"] == ["d1", "d2"]
    with pytest.raises(ValidationError):
        QuestionRecord.model_validate(line)
    completed = {k: v for k, v in line.items() if k != "candidate"} | {"answers": ["x"], "gold_doc_ids": ["d1"]}
    assert QuestionRecord.model_validate(completed).id == "feedback-a"


def test_the_latest_rating_of_a_request_wins(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.record_request(_record("a"))
    store.add_feedback("a", "down", None)
    store.add_feedback("a", "up", "actually fine")
    assert export_feedback(tmp_path).lines == []


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.record_request(_record("a"))
    store.add_feedback("a", "down", None)
    with (tmp_path / FEEDBACK).open("a") as handle:
        handle.write('{"request_id": "b", "rat')
    assert [line["id"] for line in export_feedback(tmp_path).lines] == ["feedback-a"]


def test_the_request_log_is_bounded(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path, max_request_log_bytes=400)
    for number in range(20):
        store.record_request(_record(f"r{number}"))
    assert (tmp_path / REQUESTS).stat().st_size <= 400 + 300
    assert (tmp_path / REQUESTS_PREVIOUS).is_file()
    assert FeedbackStore(tmp_path).find_request("r19") is not None
    assert FeedbackStore(tmp_path).find_request("r0") is None  # rotated out


def test_a_candidate_without_kept_question_text_says_how_to_keep_it(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.record_request(_record("a", None))  # the service ran without --feedback-text
    assert store.add_feedback("a", "down", None)
    [line] = export_feedback(tmp_path).lines
    assert line["question"] == ""
    assert "--feedback-text" in line["candidate"]["todo"]
