"""The release path on one machine, for real: evaluate a small app, publish its index to a file:// store, promote
to staging, run the staging overlay's pod as local processes (``ragops artifact fetch`` then ``ragops serve``), and
get an answer whose cited sources come from that index. Then production from staging, and status.

Everything is the real CLI, real git, real kubectl kustomize, the real service on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.app.overlay_run import run_overlay
from ragops.app.release_status import release_status
from ragops.cli.main import main
from ragops.gitops.release import read_release
from tests.support.scratch_repo import APP, commit_all, scratch_repo

pytestmark = pytest.mark.e2e
# The artifact store and the service (issue 11); until they are in this checkout there is nothing to run.
pytest.importorskip("ragops.cli.artifact", reason="needs `ragops artifact` and `ragops serve`")


def test_evaluate_publish_promote_and_run_the_staging_overlay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = scratch_repo(tmp_path)
    (root / ".gitignore").write_text("/runs/\n/.ragops/\n", encoding="utf-8")
    commit_all(root, "ignore local state")
    config = root / "rag-configs" / f"{APP}.yaml"
    run = root / "runs" / APP / "release"
    store = tmp_path / "artifacts"

    assert main(["eval", str(config), "--root", str(root), "--out", str(run)]) == 0
    capsys.readouterr()
    assert main(["index", str(config), "--publish", store.as_uri()]) == 0
    digest, uri = capsys.readouterr().out.strip().splitlines()[-2:]
    assert digest.startswith("sha256:") and uri.endswith(f"sha256-{digest.removeprefix('sha256:')}.tar")

    promote = ["promote", APP, "--root", str(root)]
    assert main([*promote, "--env", "staging", "--run", str(run), "--index-uri", uri, "--index-digest", digest]) == 0
    staging = root / "kustomize" / "overlays" / "staging" / APP
    release = read_release(staging / "release.json")
    assert release is not None and release.index.digest == digest and release.evaluation.gate == "pass"
    commit_all(root, f"release {APP} to staging")

    workdir = tmp_path / "pod"
    result = run_overlay(staging, question="How many steps does the alpha handshake have?", workdir=workdir)
    assert result.answer is not None
    assert "five" in result.answer.answer.lower()
    cited = result.answer.cited
    assert cited and {s.doc_id for s in cited} <= {"alpha", "beta"} and "alpha" in {s.doc_id for s in cited}
    # The cited chunks are chunks of the index the init container fetched and verified.
    fetched = workdir / "pod" / "volumes" / "data" / "index"
    contents = b"".join(path.read_bytes() for path in fetched.rglob("*") if path.is_file())
    assert all(source.chunk_id.encode() in contents for source in cited)

    # Production: the verified staging release, unchanged, through the same command.
    assert main([*promote, "--from", "staging", "--to", "production"]) == 0
    production = read_release(root / "kustomize" / "overlays" / "production" / APP / "release.json")
    assert production == release.model_copy(update={"environment": "production"})
    commit_all(root, f"release {APP} to production")
    deployed = {(d.environment, d.app): d for d in release_status(root).deployed}
    assert deployed[("production", APP)].up_to_date is True
