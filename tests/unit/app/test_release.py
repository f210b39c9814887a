"""``ragops release run`` in a scratch repository: each app released on its own, the passing ones committed.

The evaluation and the index publishing are stand-ins (run folders written by the real scoring code, a file in a
file:// store): what is under test is the release's own work — the plan, the promotion through ``ragops
promote``'s checks, the independence of apps, the commit and the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ragops.app.release import release
from ragops.artifacts.transfer import Published
from ragops.cli import release_report
from ragops.config.models import AppConfig
from ragops.errors import InfrastructureError, ValidationFailed
from tests.support.scratch_repo import (
    APP,
    DIGEST_A,
    IMAGE,
    add_overlays,
    commit_all,
    git,
    make_run,
    publish_fake_artifact,
    scratch_repo,
    tiny_config,
    write_config,
)

OTHER = "other"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = scratch_repo(tmp_path)
    write_config(root, tiny_config(app=OTHER))
    add_overlays(root, OTHER)
    commit_all(root, "a second app")
    return root


def _evaluator(outcomes: dict[str, str]) -> Callable[[Path, Path, Path | None, bool], Path]:
    """Runs of each app: "pass" (retrieval right), "fail" (wrong: the hit_rate@1 min gate fails), "down"."""

    def evaluate(config: Path, tree: Path, out: Path | None, force: bool) -> Path:
        assert out is not None
        app = config.stem
        if outcomes[app] == "down":
            raise InfrastructureError(f"cannot reach http://127.0.0.1:9/v1 (model m): is the server running? ({app})")
        return make_run(tree, out, correct=outcomes[app] == "pass", app=app)

    return evaluate


def _publisher(store: Path) -> Callable[[AppConfig, str], Published]:
    def publish(config: AppConfig, uri: str) -> Published:
        return Published(DIGEST_A, publish_fake_artifact(store, DIGEST_A), 18, True)

    return publish


def _release(repo: Path, tmp_path: Path, outcomes: dict[str, str], **kwargs: object) -> object:
    return release(
        repo,
        "staging",
        (tmp_path / "store").as_uri(),
        evaluator=_evaluator(outcomes),
        publisher=_publisher(tmp_path / "store"),
        **kwargs,  # type: ignore[arg-type]
    )


def _committed(repo: Path) -> list[str]:
    return git(repo, "show", "--name-only", "--format=", "HEAD").splitlines()


def test_every_app_that_passes_is_committed_in_one_bot_commit(repo: Path, tmp_path: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = _release(repo, tmp_path, {APP: "pass", OTHER: "pass"}, image=IMAGE)
    assert [a.outcome for a in result.apps] == ["released", "released"]  # type: ignore[attr-defined]
    result.raise_for_failures()  # type: ignore[attr-defined]
    assert result.commit == git(repo, "rev-parse", "HEAD")  # type: ignore[attr-defined]
    assert git(repo, "rev-parse", "HEAD^") == head
    assert git(repo, "log", "-1", "--format=%an <%ae>") == (
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    )
    assert git(repo, "log", "-1", "--format=%s") == f"release: promote {OTHER} {APP} to staging"
    files = _committed(repo)
    assert {f.split("/")[3] for f in files} == {APP, OTHER} and all(
        f.startswith("kustomize/overlays/staging/") for f in files
    )
    for app in (APP, OTHER):
        manifest = json.loads((repo / "kustomize" / "overlays" / "staging" / app / "release.json").read_text())
        assert manifest["commit"] == head and manifest["image"] == IMAGE and manifest["evaluation"]["gate"] == "pass"
    # Released: a second run finds every app up to date and commits nothing.
    again = _release(repo, tmp_path, {APP: "down", OTHER: "down"})
    assert [a.outcome for a in again.apps] == ["up-to-date", "up-to-date"]  # type: ignore[attr-defined]
    again.raise_for_failures()  # type: ignore[attr-defined]
    assert again.commit is None  # type: ignore[attr-defined]


def test_a_failing_gate_never_blocks_another_apps_release(repo: Path, tmp_path: Path) -> None:
    result = _release(repo, tmp_path, {APP: "fail", OTHER: "pass"})
    outcomes = {a.app: a for a in result.apps}  # type: ignore[attr-defined]
    assert outcomes[OTHER].outcome == "released"
    assert outcomes[APP].outcome == "gate-failed" and "hit_rate@1" in outcomes[APP].reason
    with pytest.raises(ValidationFailed, match=f"not released: {APP} \\(gate-failed\\)"):
        result.raise_for_failures()  # type: ignore[attr-defined]
    assert {f.split("/")[3] for f in _committed(repo)} == {OTHER}
    message = git(repo, "log", "-1", "--format=%B")
    assert f"Not released:\n- {APP}: gate-failed: " in message
    # The failed app's overlay is as the checkout had it: nothing half-promoted is left behind.
    assert git(repo, "status", "--porcelain", "--", "kustomize") == ""


def test_an_unreachable_model_is_an_infrastructure_error_after_committing_the_rest(repo: Path, tmp_path: Path) -> None:
    result = _release(repo, tmp_path, {APP: "pass", OTHER: "down"})
    outcomes = {a.app: a for a in result.apps}  # type: ignore[attr-defined]
    assert outcomes[APP].outcome == "released"
    assert outcomes[OTHER].outcome == "infrastructure-error" and "cannot reach" in outcomes[OTHER].reason
    assert result.commit is not None  # type: ignore[attr-defined]
    with pytest.raises(InfrastructureError, match="a re-run may pass"):
        result.raise_for_failures()  # type: ignore[attr-defined]
    text = release_report.render_text(result)  # type: ignore[arg-type]
    assert f"{OTHER}  INFRASTRUCTURE ERROR  cannot reach" in text
    assert text.splitlines()[-1] == f"not released: {OTHER} (infrastructure error)"


def test_the_github_report_annotates_summarises_and_outputs(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(repo, tiny_config(app="fresh"))
    commit_all(repo, "an app without overlays")
    result = _release(repo, tmp_path, {APP: "fail", OTHER: "pass", "fresh": "pass"})
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    release_report.to_github(result, outputs)  # type: ignore[arg-type]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::warning::fresh: no overlay: no overlay kustomize/overlays/staging/fresh/")
    assert lines[1].startswith(f"::error::{APP}: gate failed: ")
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert values["released"] == OTHER and values["failed"] == APP and values["commit"] == result.commit  # type: ignore[attr-defined]
    assert "| fresh | no overlay |" in summary.read_text() and "fix: ragops new env staging" in summary.read_text()
