"""The patch writer: values changed or added by editing the text, every comment, blank line, quote and block
scalar kept byte for byte; edits that cannot be made exactly are refused."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ragops.config.yaml_edit import render_scalar, set_value, set_values, unified_diff
from ragops.config.yamlsource import load_yaml
from ragops.errors import ValidationFailed

TEXT = """\
# The app (a comment that must survive)
spec:
  retrieval:
    mode: hybrid   # BM25 + vectors
    top_k: 10

    # fusion is tuned by ragops sweep
  llm:
    provider: 'extractive'
    sentences: 1
  prompt:
    template: |
      Context: {context}
      Question: {question}
  evaluation:
    k_values: [1, 5]
"""


def _changed_lines(before: str, after: str) -> list[str]:
    old, new = before.splitlines(), after.splitlines()
    return [line for line in new if line not in old] + [f"-{line}" for line in old if line not in new]


def test_a_written_value_is_replaced_in_place_and_its_comment_kept() -> None:
    edited = set_value(TEXT, ("spec", "retrieval", "mode"), "vector")
    assert _changed_lines(TEXT, edited) == [
        "    mode: vector   # BM25 + vectors",
        "-    mode: hybrid   # BM25 + vectors",
    ]
    assert load_yaml(edited).data["spec"]["retrieval"]["mode"] == "vector"


def test_quoting_is_kept_for_quoted_values() -> None:
    edited = set_value(TEXT, ("spec", "llm", "provider"), "openai")
    assert "    provider: 'openai'\n" in edited


def test_a_missing_value_is_added_under_its_section_with_its_indentation() -> None:
    edited = set_values(
        TEXT, [(("spec", "retrieval", "fusion", "k"), 20), (("spec", "retrieval", "fusion", "text_weight"), 0.5)]
    )
    assert edited == TEXT.replace(
        "    top_k: 10\n", "    top_k: 10\n    fusion:\n      k: 20\n      text_weight: 0.5\n"
    )
    # Everything else is byte for byte what it was, comments and blank lines included.
    assert edited.replace("    fusion:\n      k: 20\n      text_weight: 0.5\n", "") == TEXT


def test_a_new_section_goes_at_the_end_of_its_parent() -> None:
    edited = set_value(TEXT, ("spec", "splitter", "chunk_size"), 128)
    assert edited == TEXT + "  splitter:\n    chunk_size: 128\n"


def test_a_block_scalar_is_replaced_whole() -> None:
    edited = set_value(TEXT, ("spec", "prompt", "template"), "Q: {question}\nC: {context}")
    assert '    template: "Q: {question}\\nC: {context}"\n  evaluation:' in edited
    assert load_yaml(edited).data["spec"]["prompt"]["template"] == "Q: {question}\nC: {context}"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5, "5"),
        (0.5, "0.5"),
        (1e-05, "1.0e-05"),
        (True, "true"),
        (None, "null"),
        ("yes", "'yes'"),
        ("vector", "vector"),
    ],
)
def test_scalars_render_as_yaml_reads_them_back(value: object, text: str) -> None:
    assert render_scalar(value) == text  # type: ignore[arg-type]
    assert load_yaml(f"a: {text}\n").data["a"] == value


@pytest.mark.parametrize("path", [("a",), ("b",)])
def test_an_anchored_or_aliased_value_is_refused_rather_than_changed_twice(path: tuple[str]) -> None:
    with pytest.raises(ValidationFailed, match="anchor or alias"):
        set_value("a: &x 5\nb: *x\n", path, 6)


def test_a_flow_mapping_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="flow style"):
        set_value("spec: {retrieval: {top_k: 5}}\n", ("spec", "retrieval", "mode"), "vector")


def test_the_diff_is_a_patch_git_applies(tmp_path: Path) -> None:
    (tmp_path / "rag-configs").mkdir()
    target = tmp_path / "rag-configs" / "app.yaml"
    target.write_text(TEXT, encoding="utf-8")
    edited = set_value(TEXT, ("spec", "retrieval", "top_k"), 5)
    patch = unified_diff(TEXT, edited, "rag-configs/app.yaml")
    assert patch.startswith("--- a/rag-configs/app.yaml\n+++ b/rag-configs/app.yaml\n@@")
    (tmp_path / "change.patch").write_text(patch, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "apply", "change.patch"], cwd=tmp_path, check=True)
    assert target.read_text(encoding="utf-8") == edited
    assert unified_diff(TEXT, TEXT, "x.yaml") == ""
