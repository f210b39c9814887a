"""Negative feedback turned into test-set candidate lines: the loop from production back to the test set.

A candidate has the test-set record's shape (``ragops.config.testset``) with ``answers`` and ``gold_doc_ids``
left empty for a reviewer, plus a ``candidate`` object holding what the service did (the answer it gave, the
documents it retrieved and cited, the user's comment). Such a line is deliberately *not* a valid test-set
record: ``ragops validate`` rejects it until a reviewer fills in the reference answers and gold documents and
deletes ``candidate``, so an unreviewed candidate can never slip into an evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CANDIDATE_TAG = "from-feedback"


def candidate_lines(feedback: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One candidate per request whose latest rating is ``down``, oldest first."""
    latest: dict[str, dict[str, Any]] = {}
    for line in feedback:
        request_id = line.get("request_id")
        if isinstance(request_id, str):
            latest.pop(request_id, None)  # re-insert: the order follows the latest rating
            latest[request_id] = line
    lines = []
    for request_id, line in latest.items():
        if line.get("rating") != "down":
            continue
        request = line.get("request") or {}
        question = request.get("question")
        todo = "write the reference answers and gold_doc_ids, then delete this 'candidate' object"
        if not question:
            todo = (
                "the service kept no question text (start it with --feedback-text to keep it): write the question, "
                "then " + todo
            )
        lines.append(
            {
                "id": f"feedback-{request_id}",
                "question": question or "",
                "answers": [],
                "gold_doc_ids": [],
                "tags": [CANDIDATE_TAG],
                "candidate": {
                    "request_id": request_id,
                    "rated_at": line.get("time"),
                    "comment": line.get("comment"),
                    "answer_given": request.get("answer", ""),
                    "retrieved_doc_ids": request.get("retrieved_doc_ids", []),
                    "cited_doc_ids": request.get("cited_doc_ids", []),
                    "asked_at": request.get("time"),
                    "release": request.get("release"),
                    "todo": todo,
                },
            }
        )
    return lines
