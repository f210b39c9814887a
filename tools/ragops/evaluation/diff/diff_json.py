"""``ragops diff --format json``: the DiffResult as JSON (schema ``schemas/diff-result.v1.json``)."""

from __future__ import annotations

import json

from ragops.evaluation.diff.model import DiffResult


def render(result: DiffResult) -> str:
    return json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
