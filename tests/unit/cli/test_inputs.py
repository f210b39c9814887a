"""Hostile and mistaken command lines get a documented exit code and a message with the fix, never a traceback
and never a misleading success (issue 9: defects 6–9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.app.evaluate import MAX_SHARDS, shard_count
from ragops.cli.main import main
from ragops.errors import EXIT_INVALID, EXIT_USAGE, UsageError
from ragops.evaluation.run_folder import RunFolder
from tests.conftest import FIXTURES, REPO_ROOT

CONFIG = FIXTURES / "configs" / "eval-tiny.yaml"


def _eval(*args: str) -> int:
    return main(["eval", str(CONFIG), "--root", str(REPO_ROOT), *args])


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return captured.err


def test_out_on_an_existing_file_or_under_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "report.txt"
    existing.write_text("keep")
    assert _eval("--out", str(existing)) == EXIT_USAGE
    assert "is not a folder" in _error(capsys)
    assert _eval("--out", str(existing / "run")) == EXIT_USAGE
    assert "is a file, not a folder" in _error(capsys)
    assert existing.read_text() == "keep"


def test_out_in_an_unwritable_place(capsys: pytest.CaptureFixture[str]) -> None:
    # /proc refuses new folders even to root, which CI runs as.
    assert _eval("--out", "/proc/ragops-test/run") == EXIT_USAGE
    assert "cannot create the run folder" in _error(capsys)


def test_out_inside_the_apps_data_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    corpus = FIXTURES / "corpus" / "docs"
    before = sorted(p.name for p in corpus.iterdir())
    assert _eval("--out", str(corpus / "run")) == EXIT_USAGE
    assert "overlaps the app's data" in _error(capsys)
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_out_onto_another_apps_run_is_refused_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "runs" / "other-app"
    other.mkdir(parents=True)
    (other / "report.json").write_text("{}")  # damaged or foreign: never replaced silently
    assert _eval("--out", str(other)) == EXIT_USAGE
    assert "--force" in _error(capsys)
    assert (other / "report.json").read_text() == "{}"
    assert not RunFolder(other).is_complete()


def test_shards_are_capped_with_a_warning() -> None:
    assert shard_count(1, 2) == (1, [])
    capped, warnings = shard_count(1000, 2)
    assert capped == 2
    assert "capped at 2" in warnings[0]
    assert shard_count(10_000, 1_000_000)[0] == MAX_SHARDS
    with pytest.raises(UsageError):
        shard_count(0, 10)


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_usage_error(question: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", str(CONFIG), question]) == EXIT_USAGE
    assert "question is empty" in _error(capsys)


def test_a_question_that_is_not_utf8_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    undecodable = b"caf\xe9?".decode("utf-8", errors="surrogateescape")  # what argv holds for such bytes
    assert main(["query", str(CONFIG), undecodable]) == EXIT_USAGE
    assert "not valid UTF-8" in _error(capsys)


def test_validate_needs_an_existing_root_and_something_to_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--root", str(tmp_path / "absent")]) == EXIT_USAGE
    assert "no such folder" in _error(capsys)
    assert main(["validate", "--root", str(tmp_path)]) == EXIT_INVALID
    assert "nothing to validate" in _error(capsys)
    assert main(["validate", "--root", str(tmp_path), "--allow-empty"]) == 0
