"""RunFolder: what an evaluation run writes is what a reader gets back, and a run folder is only ever
complete or absent where a reader looks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.config.models import AppConfig
from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import (
    FILES,
    IndexSummary,
    RunContents,
    RunFolder,
    check_out_dir,
    publish,
    staging_folder,
)
from ragops.evaluation.scoring import build_report, score
from tests.unit.evaluation.conftest import Run

K_VALUES = [1, 5]


def _contents(run: Run, app: str = "sample", commit: str | None = "abc123") -> RunContents:
    scoring = score(run.predictions, run.testsets, K_VALUES, wall_seconds=2.0)
    metadata = Metadata(
        git_commit=commit,
        config_hash="cfg",
        corpus_hash="corpus",
        testset_hashes={name: f"h-{name}" for name in run.testsets},
        index_id="corpus:cfg",
        k_values=K_VALUES,
        package_versions={"ragops": "0.1.0"},
        models={"embedding": "sentence-transformers:m", "llm": "extractive", "reranker": "r"},
        git_dirty=False,
        run_id="20260101T000000Z-abcdef12",
    )
    config = AppConfig.model_validate(
        {
            "apiVersion": "ragops.dev/v1",
            "kind": "RAGApp",
            "metadata": {"name": app},
            "spec": {"data": {"corpus": "datasets/x/docs", "testsets": ["datasets/x/testsets/a.jsonl"]}},
        }
    )
    index = IndexSummary(
        index_id="corpus:cfg",
        index_dir="/tmp/index",
        reused_index=False,
        documents=40,
        chunks=90,
        embedded=10,
        reused=80,
        problems=[{"path": "bad.pdf", "reason": "encrypted"}],
        notes=["a note"],
        seconds=1.5,
    )
    return RunContents(
        report=build_report(scoring, app=app, metadata=metadata),
        predictions=scoring.predictions,
        config=config,
        index=index,
        testsets={name: list(records) for name, records in run.testsets.items()},
    )


def test_a_written_run_reads_back_as_equal_typed_objects(run: Run, tmp_path: Path) -> None:
    contents = _contents(run)
    folder = RunFolder(tmp_path / "run")
    folder.write(contents)
    assert folder.is_complete()
    assert sorted(p.name for p in folder.path.iterdir()) == sorted([*FILES, "testsets"])
    assert folder.read() == contents


def test_an_incomplete_folder_is_refused_with_the_fix(run: Run, tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.write(_contents(run))
    (folder.path / "config.json").unlink()
    with pytest.raises(ValidationFailed, match=r"missing config\.json.*ragops eval"):
        folder.read_report()
    with pytest.raises(UsageError, match="no such run folder"):
        RunFolder(tmp_path / "absent").read()


def test_publish_replaces_a_run_only_with_a_complete_one(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "runs" / "sample"
    first = _contents(run)
    staging = staging_folder(out)
    RunFolder(staging).write(first)
    publish(staging, out)
    assert RunFolder(out).read_report() == first.report

    broken = staging_folder(out)
    RunFolder(broken).write(first)
    (broken / "report.json").unlink()  # interrupted before the last file
    with pytest.raises(ValidationFailed, match="incomplete"):
        publish(broken, out)
    assert RunFolder(out).read_report() == first.report  # the previous run is untouched


def test_out_dir_checks(run: Run, tmp_path: Path) -> None:
    data = tmp_path / "datasets" / "x" / "docs"
    data.mkdir(parents=True)
    with pytest.raises(UsageError, match="overlaps the app's data"):
        check_out_dir(data / "run", "sample", "abc123", [data], force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        check_out_dir(tmp_path / "file", "sample", "abc123", [data], force=False)

    existing = tmp_path / "runs" / "other"
    RunFolder(existing).write(_contents(run, app="other"))
    with pytest.raises(UsageError, match="holds a run of app 'other'"):
        check_out_dir(existing, "sample", "abc123", [data], force=False)
    check_out_dir(existing, "sample", "abc123", [data], force=True)  # --force allows it
    check_out_dir(existing, "other", "abc123", [data], force=False)  # same app and commit: a re-run
    with pytest.raises(UsageError, match="at commit abc123"):
        check_out_dir(existing, "other", "def456", [data], force=False)

    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "todo.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not a run folder"):
        check_out_dir(stranger, "sample", "abc123", [data], force=False)
    check_out_dir(tmp_path / "new", "sample", "abc123", [data], force=False)
