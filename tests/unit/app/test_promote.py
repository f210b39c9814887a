"""Promotion in a scratch repository with real git: idempotent, gated, refuses stale runs, copies staging to
production unchanged, and is rolled back by ``git revert``. Every promoted overlay still builds and validates."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from ragops.app.promote import promote, promote_between
from ragops.cli.main import main
from ragops.config.app_data import config_hash
from ragops.config.loader import load_app_config
from ragops.errors import UsageError, ValidationFailed
from ragops.gitops.release import read_release
from tests.conftest import REPO_ROOT
from tests.support.manifests import find, render, validate
from tests.support.scratch_repo import (
    APP,
    DIGEST_A,
    DIGEST_B,
    IMAGE,
    commit_all,
    git,
    make_run,
    publish_fake_artifact,
    scratch_repo,
    tiny_config,
    write_config,
)

PROMOTED = ("app.yaml", "release.json", "release.env", "kustomization.yaml")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return scratch_repo(tmp_path)


def _overlay(root: Path, environment: str = "staging") -> Path:
    return root / "kustomize" / "overlays" / environment / APP


def _snapshot(overlay: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(overlay.iterdir())}


def _promote(root: Path, run: Path, digest: str = DIGEST_A, image: str | None = IMAGE) -> None:
    uri = publish_fake_artifact(root.parent / "store", digest)
    promote(APP, "staging", run, root, index_uri=uri, index_digest=digest, image=image)


def test_promotion_writes_the_release_and_keeps_the_rest_of_the_overlay(repo: Path) -> None:
    overlay = _overlay(repo)
    before = (overlay / "kustomization.yaml").read_text(encoding="utf-8")
    run = make_run(repo, repo / "runs" / "one")
    uri = publish_fake_artifact(repo.parent / "store", DIGEST_A)
    result = promote(APP, "staging", run, repo, index_uri=uri, index_digest=DIGEST_A, image=IMAGE)

    assert sorted(p.name for p in result.changed) == sorted(PROMOTED)
    assert result.previous is None  # the placeholder
    release = read_release(overlay / "release.json")
    assert release is not None and release == result.release
    schema = json.loads((REPO_ROOT / "schemas" / "release.v1.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads((overlay / "release.json").read_text(encoding="utf-8")))
    head = git(repo, "rev-parse", "HEAD")
    assert (release.app, release.environment, release.commit) == (APP, "staging", head)
    assert release.index.uri == uri and release.index.digest == DIGEST_A
    assert release.image == IMAGE and release.evaluation.gate == "pass"
    assert release.evaluation.metrics["hit_rate@1"] == 1.0
    assert release.created_at.isoformat() == git(repo, "show", "-s", "--format=%cI", "HEAD").replace("+00:00", "+00:00")
    assert (overlay / "release.env").read_text(encoding="utf-8").splitlines()[-2:] == [
        f"INDEX_URI={uri}",
        f"INDEX_DIGEST={DIGEST_A}",
    ]
    # The config the service loads is the evaluated one: same normalised hash as the run recorded.
    loaded = load_app_config(overlay / "app.yaml", repo)
    assert config_hash(loaded) == release.config_hash

    # Only the images: block of kustomization.yaml changed; namespace, components, replacements are kept.
    after = (overlay / "kustomization.yaml").read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == [f"    digest: {IMAGE.split('@')[1]}"]
    assert after.replace(IMAGE.split("@")[1], "sha256:" + "0" * 64) == before

    objects = render(overlay, cached=False)
    for obj in objects:
        validate(obj)
    (deployment,) = find(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert {c["image"] for c in [*pod["initContainers"], *pod["containers"]]} == {IMAGE}
    rules = json.dumps(find(objects, "PrometheusRule"))
    assert f'job=\\"{APP}\\"' in rules and 'job=\\"ragops\\"' not in rules  # alerts still scoped to this app


def test_promoting_the_same_state_twice_changes_no_byte(repo: Path) -> None:
    run = make_run(repo, repo / "runs" / "one")
    _promote(repo, run)
    first = _snapshot(_overlay(repo))
    commit_all(repo, "promote")
    _promote(repo, run)
    assert _snapshot(_overlay(repo)) == first
    assert git(repo, "status", "--porcelain") == ""
    # The image is kept when --image is not given again.
    _promote(repo, run, image=None)
    assert _snapshot(_overlay(repo)) == first


def test_a_run_whose_gate_fails_is_refused_naming_the_rule(repo: Path) -> None:
    run = make_run(repo, repo / "runs" / "bad", correct=False)
    before = _snapshot(_overlay(repo))
    with pytest.raises(ValidationFailed, match=r"gates of tiny fail(.|\n)*hit_rate@1: 0 < min 0\.5"):
        _promote(repo, run)
    assert _snapshot(_overlay(repo)) == before


def test_a_regression_against_the_deployed_release_is_refused(repo: Path) -> None:
    _promote(repo, make_run(repo, repo / "runs" / "good"))
    commit_all(repo, "promote good")
    # Passes the absolute threshold (0.5) but drops 0.5 from the deployed 1.0 (max_regression 0.1).
    write_config(repo, tiny_config([{"metric": "hit_rate@1", "min": 0.4, "max_regression": 0.1}]))
    commit_all(repo, "lower the bar")
    run = make_run(repo, repo / "runs" / "half", correct=False)
    with pytest.raises(ValidationFailed, match=r"regression [0-9.]+ beyond max 0\.1"):
        _promote(repo, run)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("commit", r"commit: the run evaluated [0-9a-f]{12}, the checkout is at [0-9a-f]{12}, which changed README.md"),
        ("config", r"config: rag-configs/tiny\.yaml hashes to"),
        ("corpus", r"corpus: datasets/tiny/docs is .*, the run evaluated"),
        ("testset", r"test set small: .* now, .* in the run"),
        ("dirty", r"uncommitted changes \(datasets/tiny/docs/alpha\.txt\)"),
    ],
)
def test_a_stale_run_is_refused_with_the_reason(repo: Path, change: str, reason: str) -> None:
    run = make_run(repo, repo / "runs" / "one")
    if change == "config":
        write_config(repo, tiny_config([{"metric": "hit_rate@1", "min": 0.6}]))
    elif change in {"corpus", "dirty"}:
        (repo / "datasets" / "tiny" / "docs" / "alpha.txt").write_text("Alpha changed.\n", encoding="utf-8")
    elif change == "testset":
        path = repo / "datasets" / "tiny" / "testsets" / "small.jsonl"
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    (repo / "README.md").write_text("another commit\n", encoding="utf-8")
    if change != "dirty":
        commit_all(repo, f"change {change}")
    with pytest.raises(ValidationFailed, match=rf"is stale(.|\n)*{reason}"):
        _promote(repo, run)


def test_an_index_reference_that_cannot_be_the_artifact_is_refused(repo: Path) -> None:
    run = make_run(repo, repo / "runs" / "one")
    uri = publish_fake_artifact(repo.parent / "store", DIGEST_A)
    with pytest.raises(UsageError, match="names the artifact sha256:aaaa"):
        promote(APP, "staging", run, repo, index_uri=uri, index_digest=DIGEST_B)
    with pytest.raises(UsageError, match="expected sha256:<64 hex"):
        promote(APP, "staging", run, repo, index_uri=uri, index_digest="sha256:abc")
    with pytest.raises(ValidationFailed, match="no such artifact"):
        promote(APP, "staging", run, repo, index_uri=uri.replace("a" * 64, "b" * 64), index_digest=DIGEST_B)
    with pytest.raises(UsageError, match="pin the image by digest"):
        promote(APP, "staging", run, repo, index_uri=uri, index_digest=DIGEST_A, image="ghcr.io/ragops/ragops:1.0")
    with pytest.raises(
        UsageError, match=r"'qa' is not a declared environment \(staging, production.*ragops new env qa"
    ):
        promote(APP, "qa", run, repo, index_uri=uri, index_digest=DIGEST_A)
    shutil.rmtree(_overlay(repo, "staging-kserve"))  # declared, but this app's overlay is gone
    with pytest.raises(UsageError, match="no such overlay"):
        promote(APP, "staging-kserve", run, repo, index_uri=uri, index_digest=DIGEST_A)


def test_releases_flow_only_as_the_environments_declare(repo: Path) -> None:
    _promote(repo, make_run(repo, repo / "runs" / "one"))
    commit_all(repo, "promote to staging")
    with pytest.raises(UsageError, match=r"'staging' receives its releases from evaluated runs only"):
        promote_between(APP, "production", "staging", repo)
    with pytest.raises(UsageError, match="not a declared environment"):
        promote_between(APP, "staging", "qa", repo)


def test_staging_to_production_copies_the_release_unchanged(repo: Path) -> None:
    _promote(repo, make_run(repo, repo / "runs" / "one"))
    commit_all(repo, "promote to staging")
    production = _overlay(repo, "production")
    before = (production / "kustomization.yaml").read_text(encoding="utf-8")
    # No run, no re-evaluation: even a newer commit in between does not matter.
    (repo / "README.md").write_text("later work\n", encoding="utf-8")
    commit_all(repo, "later work")
    result = promote_between(APP, "staging", "production", repo)

    staging = read_release(_overlay(repo) / "release.json")
    released = read_release(production / "release.json")
    assert staging is not None and released is not None and released == result.release
    assert released.environment == "production"
    assert released.model_dump(exclude={"environment"}) == staging.model_dump(exclude={"environment"})
    for name in ("app.yaml", "release.env"):
        assert (production / name).read_bytes() == (_overlay(repo) / name).read_bytes()
    after = (production / "kustomization.yaml").read_text(encoding="utf-8")
    assert after.replace(IMAGE.split("@")[1], "sha256:" + "0" * 64) == before  # production's own settings kept
    assert "namespace: ragops-production" in after and "components/autoscaling" in after
    objects = render(production, cached=False)
    for obj in objects:
        validate(obj)
    assert find(objects, "HorizontalPodAutoscaler")
    # Again: nothing changes.
    assert promote_between(APP, "staging", "production", repo).changed == []


def test_production_cannot_be_promoted_from_an_unpromoted_staging(repo: Path) -> None:
    with pytest.raises(ValidationFailed, match="holds no release yet"):
        promote_between(APP, "staging", "production", repo)


def test_rollback_is_git_revert_of_the_promotion_commit(repo: Path) -> None:
    _promote(repo, make_run(repo, repo / "runs" / "one"))
    first_commit = commit_all(repo, "promote release one")
    first = _snapshot(_overlay(repo))

    (repo / "datasets" / "tiny" / "docs" / "gamma.txt").write_text("Gamma\n\nGamma is new.\n", encoding="utf-8")
    commit_all(repo, "add gamma")
    _promote(repo, make_run(repo, repo / "runs" / "two", run_id="20260102T000000Z-00000002"), digest=DIGEST_B)
    commit_all(repo, "promote release two")
    second = read_release(_overlay(repo) / "release.json")
    assert second is not None and second.index.digest == DIGEST_B and second.commit != first_commit

    git(repo, "revert", "--no-edit", "HEAD")
    assert _snapshot(_overlay(repo)) == first


def test_the_cli_promotes_and_reports_refusals_with_exit_codes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(repo, repo / "runs" / "one")
    # Evaluated before any promotion dirties the checkout (a run records whether its checkout was clean).
    bad = make_run(repo, repo / "runs" / "bad", correct=False)
    uri = publish_fake_artifact(repo.parent / "store", DIGEST_A)
    args = ["promote", APP, "--env", "staging", "--run", str(run), "--index-uri", uri, "--index-digest", DIGEST_A]
    assert main([*args, "--root", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "kustomize/overlays/staging/tiny: release" in out and "git revert" in out
    assert main([*args, "--root", str(repo), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == []
    assert main(["promote", APP, "--env", "staging", "--root", str(repo)]) == 2
    assert "needs --run, --index-uri, --index-digest" in capsys.readouterr().err
    assert main(["promote", APP, "--from", "staging", "--root", str(repo)]) == 2
    bad_args = ["promote", APP, "--env", "staging", "--run", str(bad), "--index-uri", uri, "--index-digest", DIGEST_A]
    assert main([*bad_args, "--root", str(repo)]) == 1
    assert "hit_rate@1" in capsys.readouterr().err


def test_to_alone_promotes_from_the_environment_before_it(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _promote(repo, make_run(repo, repo / "runs" / "one"))
    commit_all(repo, "promote to staging")
    outputs = tmp_path / "outputs"
    assert main(["promote", APP, "--to", "production", "--root", str(repo), "--github-output", str(outputs)]) == 0
    values = dict(line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines())
    staging = read_release(_overlay(repo) / "release.json")
    assert staging is not None
    assert values == {
        "overlay": str(_overlay(repo, "production")),
        "release_id": staging.release_id,
        "changed": "true",
        "source": "staging",
        "environment": "production",
    }
    capsys.readouterr()
    # The first environment is released from runs, never from another environment.
    assert main(["promote", APP, "--to", "staging", "--root", str(repo)]) == 2
    assert "gives it no promoted_from" in capsys.readouterr().err
