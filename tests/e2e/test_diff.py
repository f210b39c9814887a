"""`ragops diff --base-ref` for real: git branches of a scratch repository, the KFP local runner, a temporary
worktree for the base, and shared caches.

The scratch repository holds a small COVID-QA app (40 short articles, their questions), so each evaluation takes
seconds. Three pull requests against ``main``: ``top_k`` 5 → 1 (a real regression: the gate fails), a comment-only
edit (zero deltas, passes, and the stored base run is reused), and added questions (kept apart; paired deltas
unchanged). A fourth repository also holds the ragops code (``tools/ragops``), and its pull request changes only
that code: the base must be evaluated by the base's code, or the change could never show.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ragops.app.diff import diff_runs
from ragops.cli.main import main
from ragops.evaluation import provenance
from ragops.evaluation.diff import diff_json, pr_comment
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.e2e

DOCS = 40
HELD_OUT = 6  # questions the "add questions" branch adds
CONFIG = """\
# A small COVID-QA app for the diff tests.
apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: mini
spec:
  data:
    corpus: datasets/mini/docs
    testsets:
      - datasets/mini/testsets/mini.jsonl
  splitter:
    chunk_size: 128
    chunk_overlap: 16
  retrieval:
    mode: hybrid
    top_k: 5
  llm:
    provider: extractive
    sentences: 2
  evaluation:
    k_values: [1, 5]
    gate:
      rules:
        - metric: hit_rate@5
          min: 0.3
          max_regression: 0.02
        - metric: f1
          max_regression: 0.02
          significant: true
"""


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", message)


def _app(root: Path, docs_count: int) -> list[str]:
    """The mini app in ``root`` (not committed): config, ``docs_count`` articles and their questions."""
    source = REPO_ROOT / "datasets" / "covid-qa"
    docs = sorted(source.glob("docs/*.txt"))[:docs_count]
    ids = {d.stem for d in docs}
    (root / "datasets/mini/docs").mkdir(parents=True)
    for doc in docs:
        shutil.copyfile(doc, root / "datasets/mini/docs" / doc.name)
    lines = [
        line
        for line in (source / "testsets/covid-qa.jsonl").read_text(encoding="utf-8").splitlines()
        if set(json.loads(line)["gold_doc_ids"]) <= ids
    ]
    (root / "datasets/mini/testsets").mkdir(parents=True)
    (root / "datasets/mini/testsets/mini.jsonl").write_text("\n".join(lines[:-HELD_OUT]) + "\n", encoding="utf-8")
    (root / "rag-configs").mkdir()
    (root / "rag-configs/mini.yaml").write_text(CONFIG, encoding="utf-8")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    (root / ".gitignore").write_text("/runs/\n/.ragops/\n", encoding="utf-8")
    _git(root.parent, "init", "-q", "-b", "main", str(root))
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    return lines


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("scratch") / "repo"
    lines = _app(root, DOCS)
    _commit(root, "mini app")
    return root, lines[-HELD_OUT:]


def _diff(root: Path, state: Path, out: Path) -> tuple[int, dict[str, object]]:
    config = str(root / "rag-configs/mini.yaml")
    code = main(
        ["diff", config, "--base-ref", "main", "--state-dir", str(state), "--format", "json", "--out", str(out)]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def _metrics(result: dict[str, object]) -> dict[str, dict[str, object]]:
    return {m["name"]: m for m in result["metrics"]}  # type: ignore[attr-defined,index]


def test_diff_by_ref_on_three_pull_requests(scratch: tuple[Path, list[str]], tmp_path: Path) -> None:
    root, held_out = scratch
    state = tmp_path / "state"

    # 1. top_k 5 → 1: hit_rate@5 drops, its CI excludes zero, the gate fails; the base was evaluated in a worktree.
    _git(root, "checkout", "-qb", "topk", "main")
    config = root / "rag-configs/mini.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("top_k: 5", "top_k: 1"), encoding="utf-8")
    _commit(root, "top_k 1")
    code, result = _diff(root, state, tmp_path / "topk.json")
    hit = _metrics(result)["hit_rate@5"]
    assert code == 1 and result["verdict"] == "fail"
    assert hit["delta"] < 0 and hit["ci_high"] < 0 and hit["significant"]  # type: ignore[operator]
    assert any(g["metric"] == "hit_rate@5" and g["status"] == "fail" for g in result["gates"])  # type: ignore[attr-defined,index]
    assert [c["key"] for c in result["config_changes"]] == ["spec.retrieval.top_k"]  # type: ignore[attr-defined,index]
    assert not (root.parent / "tree").exists() and "ragops-base" not in _git(root, "worktree", "list")

    # 2. A comment-only edit: zero deltas, passes; the base run stored by step 1 is reused, not recomputed.
    _git(root, "checkout", "-qb", "comment", "main")
    config.write_text(config.read_text(encoding="utf-8").replace("# A small", "# A tiny"), encoding="utf-8")
    _commit(root, "comment")
    code, result = _diff(root, state, tmp_path / "comment.json")
    assert code == 0 and result["verdict"] == "pass"
    assert all(m["delta"] == 0.0 for m in _metrics(result).values())
    assert result["config_changes"] == []
    assert any("reused the stored run" in note for note in result["notes"])  # type: ignore[attr-defined]

    # 3. Questions added to the test set: listed apart; the paired deltas are unchanged (all zero).
    _git(root, "checkout", "-qb", "questions", "main")
    testset = root / "datasets/mini/testsets/mini.jsonl"
    testset.write_text(testset.read_text(encoding="utf-8") + "\n".join(held_out) + "\n", encoding="utf-8")
    _commit(root, "more questions")
    code, result = _diff(root, state, tmp_path / "questions.json")
    questions = result["questions"]
    assert questions["added"] == HELD_OUT and questions["removed"] == questions["edited"] == 0  # type: ignore[index]
    assert all(m["delta"] == 0.0 for m in _metrics(result).values())
    assert sorted(e["id"] for e in result["question_set"]) == sorted(json.loads(q)["id"] for q in held_out)  # type: ignore[attr-defined,index]
    assert code == 0

    # The same two runs diffed twice: byte-identical markdown and JSON.
    runs = sorted(p for p in (root / "runs" / "mini").iterdir() if (p / "report.json").is_file())
    base_dir = next(p for p in runs if p.name.startswith("base-"))
    head_dir = next(p for p in runs if not p.name.startswith("base-"))
    first, second = diff_runs(base_dir, head_dir, root=root), diff_runs(base_dir, head_dir, root=root)
    assert pr_comment.render(first.result) == pr_comment.render(second.result)
    assert diff_json.render(first.result) == diff_json.render(second.result)


def test_a_change_to_the_ragops_code_is_measured_with_the_bases_own_code(tmp_path: Path) -> None:
    # main holds ragops code whose extractive answers run three sentences long; the pull request's code is the
    # code running these tests (answers two sentences long, as the config says): shorter answers, higher precision.
    root = tmp_path / "repo"
    _app(root, 12)
    package = root / "tools" / "ragops"
    running = Path(provenance.__file__).resolve().parents[1]
    shutil.copytree(running, package, ignore=shutil.ignore_patterns("__pycache__"))
    extractive = package / "rag" / "extractive.py"
    text = extractive.read_text(encoding="utf-8")
    assert "[: self.sentence_count]" in text
    extractive.write_text(text.replace("[: self.sentence_count]", "[: self.sentence_count + 1]"), encoding="utf-8")
    _commit(root, "app and its ragops code")
    _git(root, "checkout", "-qb", "shorter-answers", "main")
    extractive.write_text(text, encoding="utf-8")
    _commit(root, "answers as long as the config says")

    code, result = _diff(root, tmp_path / "state", tmp_path / "code.json")
    metrics = _metrics(result)
    # Measured: f1 0.116 → 0.152, CI [0.021, 0.051] over 74 questions.
    assert metrics["f1"]["delta"] > 0 and metrics["f1"]["significant"]  # type: ignore[operator]
    assert metrics["hit_rate@5"]["delta"] == 0.0  # retrieval code unchanged: same hits
    assert result["config_changes"] == []
    (software,) = result["software_changes"]  # type: ignore[misc]
    assert software["key"] == "ragops code" and software["head"] == provenance.running_code_fingerprint()
    assert software["base"] == provenance.code_fingerprint_at(root, "main")
    assert any("the base was evaluated by its own code" in note for note in result["notes"])  # type: ignore[attr-defined]
    assert code in (0, 1)
