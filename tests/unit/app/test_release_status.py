"""``ragops release status`` in a scratch repository: what is deployed per environment, and how far main has moved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragops.app.promote import promote, promote_between
from ragops.app.release_status import release_status
from ragops.cli.main import main
from tests.support.scratch_repo import (
    APP,
    DIGEST_A,
    IMAGE,
    commit_all,
    make_run,
    publish_fake_artifact,
    scratch_repo,
    tiny_config,
    write_config,
)


def test_status_shows_releases_and_how_main_moved_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = scratch_repo(tmp_path)
    uri = publish_fake_artifact(tmp_path / "store", DIGEST_A)
    promote(APP, "staging", make_run(repo, repo / "runs" / "one"), repo, index_uri=uri, index_digest=DIGEST_A)
    commit_all(repo, "promote")
    promote_between(APP, "staging", "production", repo)
    commit_all(repo, "promote to production")

    status = release_status(repo)
    by_overlay = {(d.environment, d.app): d for d in status.deployed}
    assert ("staging", "covid-qa") in by_overlay and by_overlay[("staging", "covid-qa")].release is None
    staging = by_overlay[("staging", APP)]
    assert staging.release is not None and staging.on_main is True
    assert staging.behind == 2 and staging.changed == [] and staging.up_to_date is True
    assert by_overlay[("production", APP)].release == staging.release.model_copy(update={"environment": "production"})

    # main changes the app's config: the deployed release is now behind what a promotion would release.
    write_config(repo, tiny_config([{"metric": "hit_rate@1", "min": 0.9}]))
    commit_all(repo, "stricter gate")
    staging = next(d for d in release_status(repo).deployed if (d.environment, d.app) == ("staging", APP))
    assert staging.behind == 3 and staging.changed == ["config changed"] and staging.up_to_date is False

    assert main(["release", "status", "--root", str(repo)]) == 0
    text = capsys.readouterr().out
    line = next(row for row in text.splitlines() if row.startswith("staging ") and f" {APP} " in row)
    assert staging.release is not None and staging.release.release_id in line
    assert "3 behind main; changed since: config changed" in line and "exact_match=1.000" in line
    assert "not promoted yet" in text

    assert main(["release", "status", "--root", str(repo), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    entry = next(d for d in document["deployed"] if d["environment"] == "production" and d["app"] == APP)
    assert entry["behind_main"] == 3 and entry["changed_since_release"] == ["config changed"]
    assert entry["release"]["index"]["digest"] == DIGEST_A and entry["image"] is None
    assert IMAGE not in json.dumps(document)  # no image was given: the overlays keep the placeholder
