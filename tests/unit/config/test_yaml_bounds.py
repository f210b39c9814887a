"""Bounded YAML loading: alias bombs, merge-key bombs and huge files are refused at once, naming file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.config.loader import read_config
from ragops.config.yamlsource import MAX_ALIAS_NODES, MAX_DOCUMENT_CHARS, YamlError, load_yaml
from ragops.data.tracked import read_dvc_file
from tests.conftest import REPO_ROOT


def _laughs(levels: int, width: int = 9) -> str:
    lines = ['lol0: &l0 "lol"']
    for level in range(1, levels + 1):
        lines.append(f"lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_naming_the_line() -> None:
    with pytest.raises(YamlError, match="aliases expand") as caught:
        load_yaml(_laughs(9))
    assert caught.value.code == "yaml-too-large" and caught.value.line == 1 and caught.value.fix


def test_a_bomb_nested_in_a_valid_config_is_a_diagnostic_of_that_file(tmp_path: Path) -> None:
    base = (REPO_ROOT / "tests" / "fixtures" / "configs" / "fixture.yaml").read_text(encoding="utf-8")
    bomb = "".join(f"    {line}\n" for line in _laughs(9).splitlines())
    path = tmp_path / "app.yaml"
    path.write_text(base.replace("metadata:\n", "metadata:\n  labels:\n" + bomb, 1), encoding="utf-8")
    (error,) = [d for d in read_config(path, REPO_ROOT).diagnostics if d.is_error]
    assert error.code == "yaml-too-large" and error.file.endswith("app.yaml")
    assert path.read_text(encoding="utf-8").splitlines()[error.line - 1].strip().startswith("lol0:")


def test_moderate_alias_use_still_loads() -> None:
    # Each use of *b reaches 5 values (the mapping, 1, the list, 1, 2).
    uses = MAX_ALIAS_NODES // 5
    text = "base: &b {x: 1, y: [1, 2]}\n" + "".join(f"k{i}: *b\n" for i in range(uses))
    data = load_yaml(text).data
    assert data[f"k{uses - 1}"] == {"x": 1, "y": [1, 2]} and len(data) == uses + 1


def test_merge_keys_cannot_double_a_mapping_per_level() -> None:
    lines = ["m0: &m0 {a: 1, b: 2}"] + [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}" for i in range(1, 40)]
    assert load_yaml("\n".join(lines)).data["m39"] == {"a": 1, "b": 2}


def test_a_wide_document_of_fresh_values_is_bounded_too() -> None:
    with pytest.raises(YamlError, match="more than"):
        load_yaml("[" + ", ".join(["1"] * 60_000) + "]")


def test_an_oversized_document_is_refused_before_parsing(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="longer than"):
        load_yaml("# padding\n" * (MAX_DOCUMENT_CHARS // 10 + 1))
    path = tmp_path / "big.yaml"
    path.write_text("x: " + "a" * (4 * MAX_DOCUMENT_CHARS + 1), encoding="utf-8")
    (error,) = read_config(path, tmp_path).diagnostics
    assert error.code == "yaml-too-large" and error.file == "big.yaml"


def test_a_dvc_file_bomb_is_not_tracking_anything(tmp_path: Path) -> None:
    dvc_file = tmp_path / "docs.dvc"
    dvc_file.write_text(_laughs(9) + "outs:\n- md5: abc.dir\n  path: docs\n", encoding="utf-8")
    assert read_dvc_file(dvc_file) is None
