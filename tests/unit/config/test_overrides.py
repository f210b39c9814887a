"""Dotted config keys: resolved against the schema (whole paths and unique tails), values read as YAML, applied
and validated; what cannot be a tuning setting is refused with the fix."""

from __future__ import annotations

import pytest

from ragops.config.loader import load_app_config
from ragops.config.overrides import Override, apply_overrides, format_value, parse_assignment, resolve_key
from ragops.errors import UsageError
from tests.conftest import REPO_ROOT

COVID = REPO_ROOT / "rag-configs" / "covid-qa.yaml"


@pytest.mark.parametrize(
    ("key", "path"),
    [
        ("retrieval.fusion.k", ("spec", "retrieval", "fusion", "k")),
        ("spec.retrieval.fusion.k", ("spec", "retrieval", "fusion", "k")),
        ("fusion.text_weight", ("spec", "retrieval", "fusion", "text_weight")),
        ("chunk_size", ("spec", "splitter", "chunk_size")),
        ("retrieval.mode", ("spec", "retrieval", "mode")),
        ("reranker.model", ("spec", "retrieval", "reranker", "model")),
    ],
)
def test_keys_resolve_to_schema_paths(key: str, path: tuple[str, ...]) -> None:
    assert resolve_key(key) == path


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("model", r"ambiguous: it ends embedding\.model, llm\.model, retrieval\.reranker\.model"),
        ("retreival.top_k", r"not a config setting: did you mean retrieval\.top_k"),
        ("evaluation.k_values", r"what the app is evaluated on"),
        ("data.corpus", r"what the app is evaluated on"),
        ("loader.include", r"a list or mapping"),
        ("retrieval..k", r"not a dotted config key"),
    ],
)
def test_keys_that_are_not_settings_say_why(key: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        resolve_key(key)


def test_values_are_yaml_scalars_and_duplicates_are_dropped() -> None:
    path, values = parse_assignment("fusion.text_weight=0.5, 1,1.5,1")
    assert path == ("spec", "retrieval", "fusion", "text_weight")
    assert values == [0.5, 1, 1.5]
    assert parse_assignment("retrieval.score_threshold=null,0.2")[1] == [None, 0.2]
    assert parse_assignment("embedding.normalize=true,false")[1] == [True, False]
    assert [format_value(v) for v in (None, True, 1.5, "vector")] == ["null", "true", "1.5", "vector"]
    with pytest.raises(UsageError, match="write KEY=VALUE"):
        parse_assignment("retrieval.top_k")


def test_overrides_apply_and_validate() -> None:
    config = load_app_config(COVID, REPO_ROOT)
    changed = apply_overrides(
        config,
        [Override(("spec", "retrieval", "fusion", "k"), 20), Override(("spec", "retrieval", "mode"), "vector")],
    )
    assert (changed.spec.retrieval.fusion.k, changed.spec.retrieval.mode) == (20, "vector")
    assert changed.spec.retrieval.fusion.text_weight == config.spec.retrieval.fusion.text_weight
    # An optional block that is unset is started from nothing, and the schema says what it lacks.
    with pytest.raises(UsageError, match=r"retrieval\.reranker\.candidates=5: not a valid setting \(.*model"):
        apply_overrides(config, [Override(("spec", "retrieval", "reranker", "candidates"), 5)])
    with pytest.raises(UsageError, match=r"retrieval\.mode=vectr: not a valid setting"):
        apply_overrides(config, [Override(("spec", "retrieval", "mode"), "vectr")])
