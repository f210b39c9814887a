"""A scratch repository for the sweep tests: a HotpotQA subset — multi-hop questions with two gold paragraphs each,
their paragraphs and as many distractors — where one hit (``top_k: 1``) finds at most half of a question's gold
evidence, so ``retrieval.top_k=5`` is a real and significant improvement of recall@5 on a few dozen questions.
With an S3 server, the corpus is DVC-tracked and pushed there (as on a cluster); the test set is held in git."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import REPO_ROOT
from tests.support.cluster_repo import DVC, git, run
from tests.support.s3_server import S3Server

CONFIG = "rag-configs/hops.yaml"
QUESTIONS = 45
DISTRACTORS = 45
CONFIG_TEXT = """\
# yaml-language-server: $schema=../schemas/rag-config.v1.json
# Multi-hop questions over Wikipedia paragraphs (a HotpotQA subset): each needs two of them.
apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: hops
spec:
  data:
    corpus: datasets/hops/docs
    testsets:
      - datasets/hops/testsets/hops.jsonl
  splitter:
    chunk_size: 128  # a paragraph is one chunk
    chunk_overlap: 16
  retrieval:
    mode: hybrid
    top_k: 1  # one hit: at most one of the two gold paragraphs
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


def make_sweep_repo(repo: Path, s3: S3Server | None = None) -> Path:
    """The repository, committed (its corpus pushed to ``s3://<bucket>/dvc`` when ``s3`` is given)."""
    source = REPO_ROOT / "datasets" / "hotpotqa"
    lines = (source / "testsets" / "hotpotqa.jsonl").read_text(encoding="utf-8").splitlines()[:QUESTIONS]
    gold = sorted({doc for line in lines for doc in json.loads(line)["gold_doc_ids"]})
    others = sorted(p.stem for p in (source / "docs").glob("*.txt") if p.stem not in gold)[:DISTRACTORS]
    docs, testsets = repo / "datasets/hops/docs", repo / "datasets/hops/testsets"
    docs.mkdir(parents=True)
    testsets.mkdir(parents=True)
    for doc in gold + others:
        shutil.copyfile(source / "docs" / f"{doc}.txt", docs / f"{doc}.txt")
    (testsets / "hops.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (repo / "rag-configs").mkdir()
    (repo / CONFIG).write_text(CONFIG_TEXT, encoding="utf-8")
    (repo / ".gitignore").write_text(".ragops/\nruns/\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    if s3 is not None:
        run(repo, DVC, "init", "-q")
        run(repo, DVC, "remote", "add", "-d", "store", s3.uri("dvc"))
        run(repo, DVC, "remote", "modify", "store", "endpointurl", s3.endpoint)
        run(repo, DVC, "add", "-q", "datasets/hops/docs")
        run(repo, DVC, "push", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a multi-hop sample app")
    return repo
