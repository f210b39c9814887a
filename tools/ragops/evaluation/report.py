"""``report.json``: the contract of one evaluation of one app, and reading and writing it.

How the values are computed is :mod:`ragops.evaluation.scoring`; this module only says what a report is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ragops.config.gate import METRIC_NAME_PATTERN
from ragops.errors import ValidationFailed
from ragops.evaluation.metrics import MetricInfo
from ragops.git import COMMIT_PATTERN
from ragops.rag.personal_data import PrivacyOutcome

SCHEMA_VERSION: Literal[1] = 1
# Names follow the gate policy's pattern so every reported name can be the subject of a gate rule.
MetricName = Annotated[str, Field(pattern=METRIC_NAME_PATTERN)]
_CLOSED = Field(json_schema_extra={"additionalProperties": False})
MetricValues = Annotated[dict[MetricName, float], _CLOSED]


class Breakdowns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    testsets: dict[str, MetricValues] = Field(description="Test-set name → metric name → mean over its questions.")
    tags: dict[str, MetricValues] = Field(description="Tag → metric name → mean over the questions with that tag.")


class Counts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: int = Field(ge=0)
    testsets: dict[str, int] = Field(description="Questions per test set.")
    tags: dict[str, int] = Field(description="Questions per tag.")
    scored: Annotated[dict[MetricName, int], _CLOSED] = Field(
        description="Questions each metric is defined for (chunk metrics need gold spans, "
        "answer_support a non-empty answer, citation_correctness an app that cites, judge metrics a reply "
        "with a score; a judge metric no question got is listed with 0 and absent from metrics)."
    )


class Metadata(BaseModel):
    """Provenance of a run; the pipeline fills it in. Two reports with equal metadata must have equal metrics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    git_commit: str | None = Field(
        pattern=COMMIT_PATTERN, description="Commit evaluated (40 hex digits); null outside a git checkout."
    )
    config_hash: str = Field(description="Hash of the normalised app config.")
    corpus_hash: str
    testset_hashes: dict[str, str] = Field(description="Test-set name → content hash.")
    index_id: str = Field(description="Identity of the index artifact the answers were retrieved from.")
    k_values: list[int] = Field(description="Rank cut-offs of the ranked metrics.")
    package_versions: dict[str, str] = Field(description="Distribution name → installed version.")
    models: dict[str, str] = Field(description="Role (embedding, reranker, llm, judge) → model identity.")
    git_dirty: bool | None = Field(
        None, description="The checkout had uncommitted changes, so git_commit alone does not identify the input."
    )
    run_id: str | None = Field(None, description="Identity of this evaluation run (UTC time and a content hash).")
    code_fingerprint: str | None = Field(
        None,
        description="Fingerprint of the ragops code that evaluated (git blob ids of its modules); null in runs "
        "made before ragops recorded it.",
    )
    timing_conditions: str | None = Field(
        None,
        description="How and where latencies and throughput were measured (timing method, CPU model, CPUs): two "
        "runs' timings are compared only when these are equal; null in runs made before ragops recorded them.",
    )
    privacy: PrivacyOutcome | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="Personal data the index step found in the documents (spec.privacy) and what it did: values "
        "found per kind, values redacted, documents rejected. Absent for apps without spec.privacy.",
    )


class Report(BaseModel):
    """``report.json``: one evaluation of one app on its test sets."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="EvalReport")

    schema_version: Literal[1] = SCHEMA_VERSION
    app: str = Field(min_length=1)
    metrics: MetricValues = Field(description="Metric name (name or name@k) → mean over all questions.")
    breakdowns: Breakdowns
    counts: Counts
    metric_info: Annotated[dict[MetricName, MetricInfo], _CLOSED] = Field(
        description="Direction, role and kind of every reported name."
    )
    timings: MetricValues = Field(description="Latency, tokens and throughput: vary between runs, never gate.")
    metadata: Metadata


def dumps(report: Report) -> str:
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def write(path: Path, report: Report) -> None:
    path.write_text(dumps(report), encoding="utf-8")


def read(path: Path) -> Report:
    try:
        return Report.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise ValidationFailed(f"{path}: not a valid eval report: {exc.error_count()} problem(s): {exc}") from exc
