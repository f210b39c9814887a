"""Apps and helpers for canary runs on loopback, shared by the canary end-to-end test and bench/bench_canary.py:
``ragops serve`` instances of the tiny app, each serving its own release, and waiting for Prometheus to have
scraped what the load generator sent.

Every instance retrieves in text mode (BM25), so none loads an embedding model and several start in seconds.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.support.load import MANY_USERS_ONE_ADDRESS
from tests.support.prometheus import Prometheus
from tests.support.serving import EXTRACTIVE, Served, TinyApp, release_manifest, start, write_app

QUESTIONS = [
    "How many steps does the alpha handshake have?",
    "What is the worst case of beta sorting?",
    "What produces gamma rays?",
    "Where does a river delta form?",
    "What does epsilon denote in analysis?",
    "When was alpha designed?",
    "Why is beta used for small arrays?",
    "How are limits defined in analysis?",
]
# The app's canary rules, as its config would carry them (spec.rollout.canary).
ROLLOUT = """  rollout:
    canary:
      min_answers: 50
      rules:
        - metric: feedback_down_rate
          max_regression: 0.1
          significant: true
        - metric: error_rate
          max_regression: 0.05
          significant: true
        - metric: abstention_rate
          max_regression: 0.1
          significant: true
        - metric: answer_support
          max_regression: 0.1
          significant: true
        - metric: top_score
          max_relative_regression: 0.2
          significant: true
        - metric: latency_p95_ms
          max: 5000
"""
TEXT_MODE = {"mode: hybrid": "mode: text"}
# A threshold no BM25 score of this corpus reaches: every hit is dropped, every answer is empty.
BROKEN = {**TEXT_MODE, "top_k: 3": "top_k: 3\n    score_threshold: 1000.0"}


def app_config(app: TinyApp, name: str, replace: dict[str, str], rollout: str = ROLLOUT) -> Path:
    """The tiny app's config with ``rollout`` (its canary rules), edited by ``replace`` (old text → new)."""
    return write_app(app.root, EXTRACTIVE + rollout, name, **replace)


def start_instance(
    app: TinyApp, folder: Path, release_id: str, replace: dict[str, str], rollout: str = ROLLOUT
) -> Served:
    """A ``ragops serve`` of the tiny app serving release ``release_id`` (not waited for: it starts loading)."""
    folder.mkdir(parents=True)
    config = app_config(app, f"tiny-{release_id}.yaml", replace, rollout)
    manifest = release_manifest(app)
    manifest["release_id"] = release_id
    (folder / "release.json").write_text(json.dumps(manifest), encoding="utf-8")
    return start(
        *(config, app.index, folder / "serve.log"),
        *("--release", str(folder / "release.json"), "--feedback-dir", str(folder / "feedback")),
        *MANY_USERS_ONE_ADDRESS,
        wait_ready=False,
    )


def wait_scraped(prometheus: Prometheus, release: str, answered: int) -> None:
    """Until Prometheus has scraped every answer the release gave (the load is over)."""
    deadline = time.monotonic() + 60
    while True:
        result = prometheus.query(f'sum(ragops_answers_total{{release="{release}"}})')
        if result and round(float(result[0]["value"][1])) == answered:
            return
        assert time.monotonic() < deadline, f"{release}: Prometheus has {result}, the load got {answered} answers"
        time.sleep(0.5)
