"""The checked-in JSON Schemas are current, and they accept and reject what the pydantic models do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ragops.app import schemas as schema
from tests.conftest import FIXTURES, REPO_ROOT

SCHEMAS = REPO_ROOT / "schemas"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def test_checked_in_schemas_are_not_stale() -> None:
    assert schema.stale(SCHEMAS) == [], "run: ragops schemas"


def test_schemas_are_versioned_by_file_name_and_id() -> None:
    for path in SCHEMAS.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["$id"].endswith("/" + path.name)
        assert ".v1." in path.name
        jsonschema.Draft202012Validator.check_schema(document)


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


VALID_CONFIGS = [*sorted((REPO_ROOT / "rag-configs").glob("*.yaml")), FIXTURES / "configs" / "short-form.yaml"]


@pytest.mark.parametrize("path", VALID_CONFIGS)
def test_valid_configs_pass_the_json_schema(path: Path) -> None:
    assert list(_validator("rag-config.v1.json").iter_errors(_yaml(path))) == []


SCHEMA_LEVEL = ["unknown-type", "unknown-key", "missing-key", "out-of-range", "invalid-type"]
# Rules across fields, which only the semantic checks see.
CROSS_FIELD = {"chunk-overlap-too-big.yaml", "openai-without-model.yaml"}


def _schema_level_fixtures() -> list[Path]:
    rows = (FIXTURES / "invalid" / "EXPECTED.tsv").read_text(encoding="utf-8").splitlines()
    picked = []
    for row in rows:
        if row.startswith("#"):
            continue
        name, code, _ = row.split("\t")
        if name.endswith(".yaml") and code in SCHEMA_LEVEL and name not in CROSS_FIELD:
            picked.append(FIXTURES / "invalid" / name)
    return picked


@pytest.mark.parametrize("path", _schema_level_fixtures(), ids=lambda p: p.name)
def test_schema_level_mistakes_are_rejected_by_the_json_schema_too(path: Path) -> None:
    assert list(_validator("rag-config.v1.json").iter_errors(_yaml(path))) != []


def test_testset_records_pass_the_record_schema() -> None:
    validator = _validator("testset-record.v1.json")
    for path in sorted((REPO_ROOT / "datasets").glob("*/testsets/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines()[:50]:
            assert list(validator.iter_errors(json.loads(line))) == []
    assert list(validator.iter_errors({"id": "x", "question": "q", "answers": []})) != []
