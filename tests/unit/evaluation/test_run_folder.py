"""RunFolder: what an evaluation run writes is what a reader gets back, and a run folder is only ever
complete or absent where a reader looks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation.run_folder import (
    FILES,
    RunFolder,
    check_out_dir,
    publish,
    staging_folder,
)
from tests.support.runs import RUN_COMMIT, Run, run_contents


def test_a_written_run_reads_back_as_equal_typed_objects(run: Run, tmp_path: Path) -> None:
    contents = run_contents(run)
    folder = RunFolder(tmp_path / "run")
    folder.write(contents)
    assert folder.is_complete()
    assert sorted(p.name for p in folder.path.iterdir()) == sorted([*FILES, "testsets"])
    assert folder.read() == contents


def test_an_incomplete_folder_is_refused_with_the_fix(run: Run, tmp_path: Path) -> None:
    folder = RunFolder(tmp_path / "run")
    folder.write(run_contents(run))
    (folder.path / "config.json").unlink()
    with pytest.raises(ValidationFailed, match=r"missing config\.json.*ragops eval"):
        folder.read_report()
    with pytest.raises(UsageError, match="no such run folder"):
        RunFolder(tmp_path / "absent").read()


def test_publish_replaces_a_run_only_with_a_complete_one(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "runs" / "sample"
    first = run_contents(run)
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
        check_out_dir(data / "run", "sample", RUN_COMMIT, [data], force=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="not a folder"):
        check_out_dir(tmp_path / "file", "sample", RUN_COMMIT, [data], force=False)

    existing = tmp_path / "runs" / "other"
    RunFolder(existing).write(run_contents(run, app="other"))
    with pytest.raises(UsageError, match="holds a run of app 'other'"):
        check_out_dir(existing, "sample", RUN_COMMIT, [data], force=False)
    check_out_dir(existing, "sample", RUN_COMMIT, [data], force=True)  # --force allows it
    check_out_dir(existing, "other", RUN_COMMIT, [data], force=False)  # same app and commit: a re-run
    with pytest.raises(UsageError, match="at commit abc123"):
        check_out_dir(existing, "other", "def456", [data], force=False)

    stranger = tmp_path / "notes"
    stranger.mkdir()
    (stranger / "todo.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not a run folder"):
        check_out_dir(stranger, "sample", RUN_COMMIT, [data], force=False)
    check_out_dir(tmp_path / "new", "sample", RUN_COMMIT, [data], force=False)
