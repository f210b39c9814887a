"""Exporting negative feedback as test-set candidates for a reviewer to complete."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ragops.errors import UsageError
from ragops.files import write_atomic
from ragops.serve.candidates import candidate_lines
from ragops.serve.feedback import FEEDBACK, read_jsonl


@dataclass(frozen=True)
class FeedbackExport:
    lines: list[dict[str, Any]]  # the candidates, in test-set JSONL shape
    ratings: int  # feedback lines read
    out: str | None  # where they were written, or None when returned only

    def jsonl(self) -> str:
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines)


def export_feedback(feedback_dir: Path, out: Path | None = None) -> FeedbackExport:
    if not feedback_dir.is_dir():
        raise UsageError(f"no such feedback folder: {feedback_dir} (the service's --feedback-dir)")
    ratings = list(read_jsonl(feedback_dir / FEEDBACK))
    export = FeedbackExport(candidate_lines(ratings), len(ratings), str(out) if out else None)
    if out is not None:
        write_atomic(out, export.jsonl())
    return export
