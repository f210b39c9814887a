"""Test-set loading: records, line numbers, and the checks against the corpus."""

from __future__ import annotations

import json
from pathlib import Path

from ragops.config.testset import check_against_corpus, load_testset
from ragops.corpus import document_ids
from tests.conftest import FIXTURES, REPO_ROOT


def test_sample_testsets_load_completely() -> None:
    covid = load_testset(REPO_ROOT / "datasets/covid-qa/testsets/covid-qa.jsonl", "covid")
    hotpot = load_testset(REPO_ROOT / "datasets/hotpotqa/testsets/hotpotqa.jsonl", "hotpot")
    assert (len(covid.records), covid.diagnostics) == (1235, [])
    assert (len(hotpot.records), hotpot.diagnostics) == (100, [])
    assert {"bridge", "comparison"} <= {tag for r in hotpot.records for tag in r.tags}


def test_blank_lines_are_allowed_and_line_numbers_kept(tmp_path: Path) -> None:
    record = {"id": "a", "question": "q?", "answers": ["x"], "gold_doc_ids": ["alpha"]}
    path = tmp_path / "t.jsonl"
    path.write_text("\n" + json.dumps(record) + "\n\n" + json.dumps({**record, "id": "b"}) + "\n")
    loaded = load_testset(path, "t.jsonl")
    assert loaded.lines == {"a": 2, "b": 4}


def test_gold_evidence_checked_against_the_corpus() -> None:
    loaded = load_testset(FIXTURES / "corpus/testsets/small.jsonl", "small")
    assert check_against_corpus(loaded, "small", document_ids(FIXTURES / "corpus/docs")) == []
    assert loaded.records[0].gold_spans[0].text == "a five step handshake"


def test_every_sample_gold_span_slices_its_document() -> None:
    for corpus in ("covid-qa", "hotpotqa"):
        loaded = load_testset(REPO_ROOT / f"datasets/{corpus}/testsets/{corpus}.jsonl", corpus)
        assert check_against_corpus(loaded, corpus, document_ids(REPO_ROOT / f"datasets/{corpus}/docs")) == []


def test_a_conversation_expands_into_turns_with_their_reference_history(tmp_path: Path) -> None:
    conversation = {
        "id": "mvp",
        "tags": ["bridge"],
        "turns": [
            {"question": "Who was the MVP?", "answers": ["Buddy Hield"], "gold_doc_ids": ["alpha"]},
            {"question": "Which team does he play for?", "answers": ["Kings"], "tags": ["hard"]},
            {"question": "Since when?", "gold_doc_ids": ["beta"]},
        ],
    }
    single = {"id": "q", "question": "q?", "answers": ["x"], "gold_doc_ids": ["beta"]}
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps(single) + "\n" + json.dumps(conversation) + "\n")
    loaded = load_testset(path, "t.jsonl")
    assert loaded.diagnostics == []
    assert [r.id for r in loaded.records] == ["q", "mvp#1", "mvp#2", "mvp#3"]
    assert loaded.lines == {"q": 1, "mvp#1": 2, "mvp#2": 2, "mvp#3": 2}
    third = loaded.records[3]
    assert third.tags == ["bridge", "turn:3"] and loaded.records[2].tags == ["bridge", "hard", "turn:2"]
    assert [(t.question, t.answer) for t in third.history] == [
        ("Who was the MVP?", "Buddy Hield"),
        ("Which team does he play for?", "Kings"),
    ]
    assert loaded.records[0].history == () and third.answers == []
    # A turn written out alone (as a run folder keeps it) reads back as the same record.
    again = tmp_path / "copy.jsonl"
    again.write_text("".join(r.model_dump_json(exclude_defaults=True) + "\n" for r in loaded.records))
    assert load_testset(again, "copy.jsonl").records == loaded.records


def test_conversation_mistakes_are_diagnostics_with_lines(tmp_path: Path) -> None:
    lines = [
        {"id": "one-turn", "turns": [{"question": "a?", "answers": ["b"]}]},
        {"id": "no-gold", "turns": [{"question": "a?", "answers": ["b"]}, {"question": "c?"}]},
        {"id": "q#2", "question": "x?", "answers": ["y"], "gold_doc_ids": ["alpha"]},
        {"id": "q", "turns": [{"question": "a?", "answers": ["b"]}, {"question": "c?", "answers": ["d"]}]},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    found = {(d.line, d.code) for d in load_testset(path, "t.jsonl").diagnostics}
    assert found == {(1, "out-of-range"), (2, "invalid-value"), (4, "duplicate-id")}


def test_the_sample_conversations_load_and_their_follow_ups_lean_on_the_opening() -> None:
    path = REPO_ROOT / "datasets/hotpotqa/testsets/hotpotqa-conversations.jsonl"
    loaded = load_testset(path, "conversations")
    assert loaded.diagnostics == [] and len(loaded.records) == 26
    assert check_against_corpus(loaded, "conversations", document_ids(REPO_ROOT / "datasets/hotpotqa/docs")) == []
    for opening, follow_up in zip(loaded.records[::2], loaded.records[1::2], strict=True):
        assert follow_up.history[0].answer == opening.answers[0]
        assert opening.answers[0].lower() not in follow_up.question.lower()
