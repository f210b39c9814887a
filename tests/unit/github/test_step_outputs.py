"""Step outputs in the format GitHub reads from $GITHUB_OUTPUT, including values over several lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ragops.errors import UsageError
from ragops.github.step_outputs import append_outputs, outputs_file


def test_single_and_multi_line_values(tmp_path: Path) -> None:
    path = tmp_path / "out"
    append_outputs(path, {"any": "true"})
    append_outputs(path, {"notes": "one\ntwo", "apps": "a b"})
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(r"any=true\nnotes<<(ragops_[0-9a-f]{16})\none\ntwo\n\1\napps=a b\n", text)
    assert match is not None, text


def test_the_file_comes_from_the_flag_or_the_environment(tmp_path: Path) -> None:
    assert outputs_file(tmp_path / "x", {}) == tmp_path / "x"
    assert outputs_file(None, {"GITHUB_OUTPUT": "/tmp/o"}) == Path("/tmp/o")
    with pytest.raises(UsageError, match=r"GITHUB_OUTPUT"):
        outputs_file(None, {})
