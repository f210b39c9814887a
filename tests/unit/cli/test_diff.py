"""``ragops diff`` of two run folders as a workflow step uses it: the rendering and the step outputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.cli.main import main
from tests.support.runs import make_run, write_run_folder


def test_step_outputs_name_the_run_folders_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run()
    base, head = tmp_path / "base", tmp_path / "head"
    write_run_folder(run, base, commit="a" * 40)
    write_run_folder(run, head, commit="b" * 40)
    outputs = tmp_path / "outputs"
    code = main(
        [
            "diff",
            str(base),
            str(head),
            "--format",
            "md",
            "--out",
            str(tmp_path / "c.md"),
            "--github-output",
            str(outputs),
        ]
    )
    assert code == 0, capsys.readouterr()
    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    assert values == {
        "app": "sample",
        "verdict": "pass",
        "base_run": str(base),
        "head_run": str(head),
        "base_evaluated": "false",
    }
    assert (tmp_path / "c.md").read_text(encoding="utf-8").startswith("### ")
