"""Benchmark: `ragops diff --base-ref` on a prompt-only pull request, against one head-only evaluation.

A scratch git repository is built from the app's config, corpus and test sets (``main``), with a branch that only
changes the prompt (the working tree is on that branch, as in a pull-request job). Measured:

- warm: the caches a pull request starts from in CI — a state folder that has evaluated ``main`` (restored from
  the main branch's cache), and no stored run folders. From two copies of it: one evaluation of the head, against
  ``ragops diff --base-ref main`` (evaluates the head the same way, and the base, whose steps all come from the
  cache). Target ≤ 1.1×.
- warm again: the same pull request evaluated once more with those state folders (a re-run, or a push that
  changes nothing the evaluation reads): every step of both sides comes from the cache, so what is measured is the
  diff's own work against a fully cached evaluation.
- cold: fresh state folders (no embedding, KFP or answer cache) — one evaluation of the head, against the diff
  (head and base; the base shares the head's embeddings and index). Target ≤ 1.3×. ``--warm-only`` skips it.

Usage: ``.venv/bin/python bench/bench_diff.py [--config rag-configs/hotpotqa.yaml] [--warm-only]`` (default
covid-qa, whose cold evaluation takes minutes). Prints a table.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from measures import print_measures

from ragops.app.diff import diff_ref
from ragops.app.evaluate import evaluate
from ragops.config.loader import load_app_config
from ragops.layout import runs_dir

ROOT = Path(__file__).resolve().parents[1]


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, capture_output=True, check=True)


def _scratch(config: Path, work: Path) -> Path:
    """A git repo holding just this app, with a prompt-only change on branch ``prompt``."""
    app = load_app_config(config, ROOT)
    repo = work / "repo"
    for value in (app.spec.data.corpus, *app.spec.data.testsets):
        source = ROOT / value
        target = repo / value
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copyfile)(source, target)
    relative = config.resolve().relative_to(ROOT)
    (repo / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config, repo / relative)
    (repo / ".gitignore").write_text("/runs/\n/.ragops/\n", encoding="utf-8")
    _git(work, "init", "-q", "-b", "main", str(repo))
    _git(repo, "-c", "user.email=b@example.com", "-c", "user.name=b", "add", "-A")
    _git(repo, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qm", "app")
    _git(repo, "checkout", "-qb", "prompt")
    text = (repo / relative).read_text(encoding="utf-8")
    if "Helpful Answer:" in text:
        text = text.replace("Helpful Answer:", "Answer:")
    else:
        text = text.replace(
            "  llm:\n", "  prompt:\n    template: 'Context: {context}\\nQ: {question}\\nA:'\n  llm:\n", 1
        )
    (repo / relative).write_text(text, encoding="utf-8")
    _git(repo, "-c", "user.email=b@example.com", "-c", "user.name=b", "commit", "-qam", "prompt")
    return repo / relative


def _timed_eval(config: Path, root: Path, state: Path, out: Path) -> float:
    started = time.perf_counter()
    evaluate(config, root, out, state_dir=state, force=True)
    return time.perf_counter() - started


def _timed_diff(config: Path, root: Path, state: Path) -> tuple[float, str]:
    started = time.perf_counter()
    outcome = diff_ref(config, "main", root, state_dir=state)
    shutil.rmtree(runs_dir(root, outcome.result.app), ignore_errors=True)  # the next measurement finds no runs
    return time.perf_counter() - started, outcome.result.verdict


def _warm_state(config: Path, root: Path, work: Path) -> Path:
    """A state folder that has evaluated ``main``, as CI restores it for a pull request."""
    state = work / "state-main"
    _git(root, "checkout", "-q", "main")
    try:
        evaluate(config, root, work / "eval-main", state_dir=state)
    finally:
        _git(root, "checkout", "-q", "prompt")
    return state


def _ratio_rows(label: str, evaluation: float, diff: float, target: str | None = None) -> list[tuple[str, str]]:
    return [
        (f"{label}: one head evaluation (s)", f"{evaluation:.1f}"),
        (f"{label}: ragops diff --base-ref (s)", f"{diff:.1f}"),
        (f"{label} ratio" + (f" ({target})" if target else ""), f"{diff / evaluation:.2f}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=ROOT / "rag-configs" / "covid-qa.yaml")
    parser.add_argument("--warm-only", action="store_true", help="skip the cold measurements")
    args = parser.parse_args()
    rows = [("app config", str(args.config.name))]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        config = _scratch(args.config, work)
        root = config.parents[1]
        warmed = _warm_state(config, root, work)
        for copy in ("state-eval", "state-diff"):
            shutil.copytree(warmed, work / copy)
        warm_eval = _timed_eval(config, root, work / "state-eval", work / "eval-warm")
        warm_diff, verdict = _timed_diff(config, root, work / "state-diff")
        again_eval = _timed_eval(config, root, work / "state-eval", work / "eval-again")
        again_diff, _ = _timed_diff(config, root, work / "state-diff")
        rows += _ratio_rows("warm", warm_eval, warm_diff, "target ≤ 1.1")
        rows += _ratio_rows("warm again", again_eval, again_diff)
        if not args.warm_only:
            cold_eval = _timed_eval(config, root, work / "state-cold-eval", work / "eval-cold")
            cold_diff, _ = _timed_diff(config, root, work / "state-cold-diff")
            rows += _ratio_rows("cold", cold_eval, cold_diff, "target ≤ 1.3")
    rows.append(("verdict of the prompt-only PR", verdict))
    print_measures(rows)


if __name__ == "__main__":
    main()
