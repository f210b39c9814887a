"""JSON Schemas generated from the pydantic models, versioned by file-name suffix and ``$id``.

They are checked in under ``schemas/`` so editors (yaml-language-server) and other tools validate the same
files the CLI does; ``ragops schemas --check`` (run by the tests) fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from ragops.app.affected import AffectedResult
from ragops.config.environments import Environments
from ragops.config.gate import GatePolicy
from ragops.config.models import AppConfig
from ragops.config.shortform import ShortFormConfig
from ragops.config.testset import ConversationRecord, QuestionRecord, TurnRecord
from ragops.evaluation.diff.model import DiffResult
from ragops.evaluation.report import Report
from ragops.evaluation.sweep.model import SweepResult
from ragops.files import write_atomic
from ragops.gitops.release import Release

SCHEMA_BASE_URL = "https://ragops.dev/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _with_header(schema: dict[str, Any], file_name: str, title: str, description: str) -> dict[str, Any]:
    header = {"$schema": DRAFT, "$id": SCHEMA_BASE_URL + file_name, "title": title, "description": description}
    return {**header, **{k: v for k, v in schema.items() if k not in header}}


def _model(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True, mode="validation")


def generate() -> dict[str, dict[str, Any]]:
    """File name → schema, for every schema ragops publishes."""
    config = TypeAdapter(AppConfig | ShortFormConfig).json_schema(by_alias=True, mode="validation")
    return {
        "rag-config.v1.json": _with_header(
            config,
            "rag-config.v1.json",
            "ragops RAG app config (v1)",
            "A RAG app: full form (apiVersion ragops.dev/v1, kind RAGApp) or the short form "
            "(retriever, generator, prompt, data).",
        ),
        "testset-record.v1.json": _with_header(
            TypeAdapter(QuestionRecord | ConversationRecord | TurnRecord).json_schema(by_alias=True, mode="validation"),
            "testset-record.v1.json",
            "ragops test-set record (v1)",
            "One line of a JSONL test set: a question; a conversation (id, turns, tags), whose turns are scored as "
            "questions <id>#<n>; or one turn with its history, as run folders keep them.",
        ),
        "gate-policy.v1.json": _with_header(
            _model(GatePolicy),
            "gate-policy.v1.json",
            "ragops gate policy (v1)",
            "Quality gates applied to the metric diff of a pull request.",
        ),
        "eval-report.v1.json": _with_header(
            _model(Report),
            "eval-report.v1.json",
            "ragops evaluation report (v1)",
            "report.json of one evaluation run: metrics, breakdowns, counts, metric info, timings, metadata.",
        ),
        "release.v1.json": _with_header(
            _model(Release),
            "release.v1.json",
            "ragops release manifest (v1)",
            "release.json of one release of one app in one environment, written by ragops promote into "
            "kustomize/overlays/<env>/<app>/: commit, config/corpus/test-set hashes, index artifact, image, evaluation",
        ),
        "diff-result.v1.json": _with_header(
            _model(DiffResult),
            "diff-result.v1.json",
            "ragops diff result (v1)",
            "ragops diff --format json: base against head of one app: paired metric deltas with confidence "
            "intervals, gate outcomes and verdict, per-question changes, what changed.",
        ),
        "sweep-result.v1.json": _with_header(
            _model(SweepResult),
            "sweep-result.v1.json",
            "ragops sweep result (v1)",
            "ragops sweep --format json (sweep.json): every setting tried against the current config on the tuning "
            "questions, Holm-corrected p-values, the selected setting, the held-out confirmation, the patch.",
        ),
        "affected.v1.json": _with_header(
            _model(AffectedResult),
            "affected.v1.json",
            "ragops affected apps (v1)",
            "ragops affected --format json: the apps a change affects (include: a job matrix), unaffected and "
            "deleted apps.",
        ),
        "environments.v1.json": _with_header(
            _model(Environments),
            "environments.v1.json",
            "ragops environments (v1)",
            "kustomize/environments.yaml: the deployment environments in promotion order, with the Kustomize "
            "components of their overlays and the environment each receives its release from.",
        ),
    }


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in generate().items():
        target = folder / name
        write_atomic(target, dumps(schema))
        written.append(target)
    return written


def stale(folder: Path) -> list[str]:
    """Names of schemas whose checked-in file differs from what the models generate now."""
    out = []
    for name, schema in generate().items():
        target = folder / name
        if not target.is_file() or target.read_text(encoding="utf-8") != dumps(schema):
            out.append(name)
    return out
