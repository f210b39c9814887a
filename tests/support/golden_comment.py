"""The pull-request comment's golden file: one app's section rendered from fixed runs, checked in, so a change to
the comment's layout shows up in review as a diff of ``tests/fixtures/golden/pr-comment.md`` — as the compiled
pipeline does (``ragops pipeline compile --check``).

The runs are the seeded synthetic ones of :mod:`tests.support.runs`: a base, and a head that retrieves fewer
passages (its gold documents lost on every third question), with ten new questions, three documents changed, other
code and a slower answer. ``tests/unit/evaluation/diff/test_pr_comment.py`` fails when the file is stale;
``make golden`` (``python -m tests.support.golden_comment --write``) rewrites it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from ragops.config.testset import QuestionRecord
from ragops.data.change_summary import ChangeKind, CorpusChange, DataChangeSummary, DocumentChange, Storage
from ragops.evaluation.diff import pr_comment
from ragops.evaluation.diff.compare import compare
from ragops.evaluation.diff.model import Links
from tests.conftest import FIXTURES
from tests.support.runs import app_config, contents, degrade, make_run

GOLDEN = FIXTURES / "golden" / "pr-comment.md"
GATE = [
    {"metric": "hit_rate@5", "min": 0.3, "max_regression": 0.02},
    {"metric": "f1", "max_regression": 0.02, "significant": True},
    {"metric": "latency_p95_ms", "max_relative_regression": 0.5},
]
BASE_COMMIT, HEAD_COMMIT = "1" * 40, "2" * 40


def render() -> str:
    run = make_run()
    head_predictions = degrade(run)
    testsets = {name: list(records) for name, records in run.testsets.items()}
    template = run.predictions[0]
    for i in range(10):
        qid = f"alpha-new-{i:02d}"
        testsets["alpha"].append(QuestionRecord(id=qid, question=f"New {i}?", answers=["x"], gold_doc_ids=["doc-01"]))
        head_predictions.append(template.model_copy(update={"id": qid, "question": f"New {i}?"}))
    slower = [
        p.model_copy(update={"latency_ms": p.latency_ms.model_copy(update={"generate": p.latency_ms.generate * 2.5})})
        for p in head_predictions
    ]
    base = contents(run.predictions, run.testsets, app_config(GATE), BASE_COMMIT)
    head = contents(slower, testsets, app_config(GATE, top_k=3), HEAD_COMMIT)
    head_meta = head.report.metadata.model_copy(update={"code_fingerprint": "84bbe72c0a1f3d2e"})
    base_meta = base.report.metadata.model_copy(update={"code_fingerprint": "34a70d6c9e8b7a65"})
    base = replace(base, report=base.report.model_copy(update={"metadata": base_meta}))
    head = replace(head, report=head.report.model_copy(update={"metadata": head_meta}))
    documents = [
        DocumentChange("doc-41.txt", "doc-41", ChangeKind.ADDED, None, 1200),
        DocumentChange("doc-07.txt", "doc-07", ChangeKind.MODIFIED, 980, 1010),
        DocumentChange("doc-13.txt", "doc-13", ChangeKind.REMOVED, 700, None),
    ]
    corpus = CorpusChange(
        "datasets/x/docs", "a.dir", "b.dir", Storage.DVC, Storage.DVC, documents, base_documents=40, head_documents=40
    )
    data = DataChangeSummary("main", "HEAD", BASE_COMMIT, HEAD_COMMIT, [corpus], [])
    links = Links(report="https://example.com/report.html", workflow_run="https://github.com/acme/rag/actions/runs/1")
    result = compare(base, head, data=data, base_ref="main", links=links)
    return pr_comment.render(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check or rewrite the PR comment's golden file.")
    parser.add_argument("--write", action="store_true", help=f"rewrite {GOLDEN}")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN}")
        return 0
    if not GOLDEN.is_file() or GOLDEN.read_text(encoding="utf-8") != text:
        print(f"{GOLDEN} is stale: run make golden and review the diff", file=sys.stderr)
        return 1
    print(f"{GOLDEN} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
