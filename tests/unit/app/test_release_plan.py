"""``ragops release plan`` in a scratch repository: which apps a release evaluates, and why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.promote import promote
from ragops.app.release_plan import release_plan
from ragops.cli.main import main
from ragops.errors import UsageError
from tests.support.scratch_repo import (
    APP,
    DIGEST_A,
    commit_all,
    git,
    make_run,
    publish_fake_artifact,
    scratch_repo,
    tiny_config,
    write_config,
)


def _decision(repo: Path, **kwargs: str) -> tuple[str, str]:
    planned = next(a for a in release_plan(repo, "staging", **kwargs).apps if a.app == APP)
    return planned.decision, planned.reason


def _release(repo: Path, tmp_path: Path) -> str:
    uri = publish_fake_artifact(tmp_path / "store", DIGEST_A)
    promote(APP, "staging", make_run(repo, repo / "runs" / "r"), repo, index_uri=uri, index_digest=DIGEST_A)
    return commit_all(repo, "release")


def test_an_app_is_released_until_staging_serves_it_and_again_when_it_changes(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path)
    assert _decision(repo) == ("release", "staging has no release yet")
    released = git(repo, "rev-parse", "HEAD")
    _release(repo, tmp_path)
    assert _decision(repo)[0] == "up-to-date"
    (repo / "README.md").write_text("docs\n", encoding="utf-8")
    commit_all(repo, "docs only")
    assert _decision(repo) == ("up-to-date", f"staging serves {released[:12]}, unchanged since")
    write_config(repo, tiny_config([{"metric": "hit_rate@1", "min": 0.9}]))
    commit_all(repo, "stricter gate")
    assert _decision(repo) == ("release", f"staging serves {released[:12]}, changed since: config changed")


def test_the_deployed_state_is_read_where_ci_says(tmp_path: Path) -> None:
    """CI reads origin/main: a later run may have released a newer commit meanwhile; this one must not undo it."""
    repo = scratch_repo(tmp_path)
    git(repo, "branch", "pushed")  # the commit this (older) release run was started for
    write_config(repo, tiny_config([{"metric": "hit_rate@1", "min": 0.4}]))
    commit_all(repo, "newer change")
    newer = git(repo, "rev-parse", "HEAD")
    _release(repo, tmp_path)
    git(repo, "branch", "deployed")
    git(repo, "checkout", "-q", "pushed")
    decision, reason = _decision(repo, deployed_ref="deployed")
    assert decision == "up-to-date" and reason == f"staging serves {newer[:12]}: this commit or a newer one"
    assert _decision(repo)[0] == "release"  # the checkout's own overlays hold no release


def test_an_app_without_an_overlay_is_listed_with_the_step_that_creates_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = scratch_repo(tmp_path)
    write_config(repo, tiny_config(app="fresh"))
    commit_all(repo, "a new app")
    fresh = next(a for a in release_plan(repo, "staging").apps if a.app == "fresh")
    assert fresh.decision == "no-overlay"
    assert fresh.fix is not None and fresh.fix.startswith("ragops new env staging")
    assert main(["release", "plan", "--root", str(repo), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["release"] == [APP] and document["environment"] == "staging"
    assert main(["release", "plan", "--root", str(repo)]) == 0
    text = capsys.readouterr().out
    assert "fresh  no-overlay" in text and "fix: ragops new env staging" in text
    assert text.rstrip().endswith(f"to release: {APP}")


def test_an_unknown_environment_is_a_usage_error(tmp_path: Path) -> None:
    repo = scratch_repo(tmp_path)
    with pytest.raises(UsageError, match=r"'qa' is not a declared environment .*ragops new env qa"):
        release_plan(repo, "qa")
