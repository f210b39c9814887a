"""The loaders never raise for any input: random YAML, random JSONL and random mutations of the sample
configs all end in a config or in clean, located diagnostics (2,400+ examples in all)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ragops.config.diagnostics import Diagnostic
from ragops.config.loader import read_config
from ragops.config.testset import load_testset
from tests.conftest import REPO_ROOT

SAMPLES = [REPO_ROOT / "rag-configs" / "covid-qa.yaml", REPO_ROOT / "tests/fixtures/configs/short-form.yaml"]
FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.sampled_from(["faiss", "vector", "openai", "{context}", "{question}", "../x", "/abs", "sk-" + "a" * 24]),
)
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)),
    max_leaves=25,
)


def _read(tmp_path: Path, text: str) -> list[Diagnostic]:
    path = tmp_path / "rag-configs" / "fuzz.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    loaded = read_config(path, REPO_ROOT)
    # YAML breaks lines at \r, \x85 and \u2028 too; splitlines() counts those (and a few more, an upper bound).
    lines = len(text.splitlines()) + 1
    for diagnostic in loaded.diagnostics:
        assert 1 <= diagnostic.line <= lines + 1, diagnostic
        assert diagnostic.message and diagnostic.code
    assert (loaded.config is None) == any(d.is_error for d in loaded.diagnostics)
    return loaded.diagnostics


@FUZZ
@given(text=st.text(max_size=300))
def test_random_text(tmp_path: Path, text: str) -> None:
    _read(tmp_path, text)


@FUZZ
@given(tree=trees)
def test_random_yaml_documents(tmp_path: Path, tree: Any) -> None:
    _read(tmp_path, yaml.safe_dump(tree, allow_unicode=True))


def _mutate(text: str, data: st.DataObject) -> str:
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 3))):
        if not lines:
            break
        i = data.draw(st.integers(0, len(lines) - 1))
        kind = data.draw(st.sampled_from(["delete", "duplicate", "char", "indent", "value", "insert"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "char":
            line = lines[i]
            j = data.draw(st.integers(0, len(line)))
            lines[i] = line[:j] + data.draw(st.sampled_from(list(":-{}[]&*!|>#'\"\t ,0a"))) + line[j + 1 :]
        elif kind == "indent":
            lines[i] = data.draw(st.sampled_from(["", " ", "   ", "\t"])) + lines[i].lstrip()
        elif kind == "value" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {json.dumps(data.draw(scalars))}"
        else:
            lines.insert(i, data.draw(st.text(max_size=20)))
    return "\n".join(lines) + "\n"


@FUZZ
@given(data=st.data())
def test_mutated_sample_configs(tmp_path: Path, data: st.DataObject) -> None:
    sample = data.draw(st.sampled_from(SAMPLES))
    _read(tmp_path, _mutate(sample.read_text(encoding="utf-8"), data))


@FUZZ
@given(lines=st.lists(st.one_of(st.text(max_size=80), trees.map(json.dumps)), max_size=6))
def test_random_testsets(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = load_testset(path, "fuzz.jsonl")
    assert all(d.line >= 1 for d in loaded.diagnostics)
    assert loaded.records or loaded.diagnostics
