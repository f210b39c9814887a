"""A conversational test set evaluated for real (KFP local runner) and diffed: turns are made standalone by the
same condense step as ``/v1/chat``, scored per turn, ``context_carried`` reported, and ``ragops diff`` pairs turns
like questions — a turn whose history was edited is kept apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.diff import diff_runs
from ragops.app.evaluate import evaluate
from tests.support.serving import DOCS

pytestmark = pytest.mark.e2e

CONFIG = """apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: chat-tiny
spec:
  data:
    corpus: docs
    testsets: [testsets/chat.jsonl]
  splitter:
    chunk_size: 64
    chunk_overlap: 8
  retrieval:
    mode: hybrid
    top_k: 1
  llm:
    provider: extractive
    sentences: 1
  evaluation:
    k_values: [1]
    gate:
      rules:
        - metric: hit_rate@1
          min: 0.5
"""


def _conversation(cid: str, opening: str, follow_up: str, gold: str, answer: str) -> dict[str, object]:
    return {
        "id": cid,
        "tags": ["chat"],
        "turns": [
            {"question": opening, "answers": [answer], "gold_doc_ids": [gold]},
            {"question": follow_up, "gold_doc_ids": [gold]},  # gold documents only: answer metrics skip it
        ],
    }


CONVERSATIONS = [
    _conversation("gamma", "What are Gamma rays?", "Where do they come from?", "gamma", "energetic photons"),
    _conversation("alpha", "When was Alpha designed?", "How many steps does its handshake have?", "alpha", "1998"),
]


def _repo(root: Path, conversations: list[dict[str, object]]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'chat-repo'\n")
    (root / "docs").mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
    (root / "testsets").mkdir(exist_ok=True)
    lines = "".join(json.dumps(c) + "\n" for c in conversations)
    (root / "testsets" / "chat.jsonl").write_text(lines, encoding="utf-8")
    config = root / "chat-tiny.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def test_conversations_are_scored_turn_by_turn_and_diffed_like_questions(tmp_path: Path) -> None:
    base_root, head_root = tmp_path / "base", tmp_path / "head"
    state = tmp_path / "state"
    base = evaluate(_repo(base_root, CONVERSATIONS), base_root, tmp_path / "run-base", state_dir=state)

    report = base.report
    assert report.counts.questions == 4
    assert report.counts.tags == {"chat": 4, "turn:1": 2, "turn:2": 2}
    # Per-turn metrics are the turn tags' breakdowns.
    assert set(report.breakdowns.tags["turn:2"]) >= {"hit_rate@1", "context_carried"}
    assert "f1" not in report.breakdowns.tags["turn:2"]  # the follow-ups have no reference answers
    assert report.counts.scored["f1"] == 2 and report.counts.scored["context_carried"] == 2
    assert report.metric_info["context_carried"].role == "advisory"
    # "Where do they come from?" alone finds the delta article; carried "Gamma" finds the gamma one.
    assert report.metrics["context_carried"] == 0.5
    predictions = {p["id"]: p for p in map(json.loads, (base.out_dir / "predictions.jsonl").read_text().splitlines())}
    gamma = predictions["gamma#2"]
    assert gamma["question"] == "Where do they come from?"
    assert gamma["standalone_question"] == "Where do they come from? (Gamma)"
    assert gamma["retrieved_doc_ids"][0] == "gamma" and "gamma" not in gamma["unaided_doc_ids"][:1]
    assert gamma["metrics"]["context_carried"] == 1.0
    assert (
        predictions["gamma#1"]["standalone_question"] is None
        and "context_carried" not in predictions["gamma#1"]["metrics"]
    )
    # The run folder keeps each turn with its history: it reads back as the same records.
    copied = (base.out_dir / "testsets" / "chat.jsonl").read_text().splitlines()
    assert json.loads(copied[1])["conversation"]["history"] == [
        {"question": "What are Gamma rays?", "answer": "energetic photons"}
    ]

    # The head edits the alpha conversation's opening turn: both its turns are "edited", the gamma ones paired.
    edited = json.loads(json.dumps(CONVERSATIONS))
    edited[1]["turns"][0]["question"] = "In which year was Alpha designed?"
    head = evaluate(_repo(head_root, edited), head_root, tmp_path / "run-head", state_dir=state)
    outcome = diff_runs(base.out_dir, head.out_dir).result
    assert outcome.questions.paired == 2 and outcome.questions.edited == 2
    assert {(e.id, e.kind) for e in outcome.question_set} == {("alpha#1", "edited"), ("alpha#2", "edited")}
    assert outcome.verdict == "pass"
    assert {g.metric for g in outcome.gates} == {"hit_rate@1"}
