"""Base and head runs for the diff tests, built by scoring the realistic synthetic run of the evaluation tests
and a degraded copy of it (the head loses its gold documents on some questions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord
from ragops.evaluation.predictions import Prediction
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import IndexSummary, RunContents
from ragops.evaluation.scoring import build_report, score
from tests.unit.evaluation.conftest import Run, make_run

K_VALUES = [1, 5]


def app_config(gate: Sequence[Mapping[str, Any]] = (), top_k: int = 5, app: str = "sample") -> AppConfig:
    return AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": app},
            "spec": {
                "data": {"corpus": "datasets/x/docs", "testsets": ["datasets/x/testsets/alpha.jsonl"]},
                "retrieval": {"top_k": top_k},
                "evaluation": {"k_values": K_VALUES, "gate": {"rules": list(gate)}},
            },
        }
    )


def contents(
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    config: AppConfig,
    commit: str = "a" * 40,
) -> RunContents:
    scoring = score(predictions, testsets, K_VALUES, wall_seconds=2.0)
    metadata = Metadata(
        git_commit=commit,
        config_hash="cfg-" + commit[:6],
        corpus_hash="corpus",
        testset_hashes={name: f"h-{name}" for name in testsets},
        index_id="corpus:cfg",
        k_values=K_VALUES,
        package_versions={"ragops": "0.1.0"},
        models={"embedding": "m", "llm": "extractive"},
        git_dirty=False,
        run_id="20260101T000000Z-abcdef12",
    )
    index = IndexSummary(
        index_id="i", index_dir="/tmp/i", reused_index=True, documents=1, chunks=1, embedded=0, reused=1
    )
    return RunContents(
        report=build_report(scoring, app=config.name, metadata=metadata),
        predictions=scoring.predictions,
        config=config,
        index=index,
        testsets={name: list(records) for name, records in testsets.items()},
    )


def degrade(run: Run, every: int = 3) -> list[Prediction]:
    """Every ``every``-th question loses its gold documents from the ranking and its answer."""
    out: list[Prediction] = []
    records = {(name, r.id): r for name, rs in run.testsets.items() for r in rs}
    for i, p in enumerate(run.predictions):
        if i % every == 0:
            gold = set(records[p.key].gold_doc_ids)
            chunks = [c for c in p.chunks if c.doc_id not in gold]
            p = p.model_copy(
                update={
                    "chunks": chunks,
                    "retrieved_doc_ids": [d for d in p.retrieved_doc_ids if d not in gold],
                    "answer": "no idea",
                }
            )
        out.append(p)
    return out


@pytest.fixture
def base_run() -> Run:
    return make_run()
