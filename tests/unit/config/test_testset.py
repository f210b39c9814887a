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
