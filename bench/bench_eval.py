"""Benchmark: a cold evaluation versus a re-run after changing only the prompt.

The second run must reuse the index and the retrieved hits (the KFP cache keys build_index and retrieve_testset
on content hashes), generate and score again, and take at most 5% of the cold time (TARGET_RATIO). Both runs
also give the same metrics here: the sample apps answer extractively, which ignores the prompt. The cold run
starts from an empty state folder (no embedding cache, no KFP cache). Prints a table; run with `make bench` or
`.venv/bin/python bench/bench_eval.py [APP [KEEP_DIR]]` (KEEP_DIR keeps the run folders for inspection).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from measures import print_measures

from ragops.app.evaluate import EvalRun, evaluate

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 0.05


def _timed(config: Path, out: Path, state: Path) -> tuple[float, EvalRun]:
    started = time.perf_counter()
    run = evaluate(config, ROOT, out, state_dir=state)
    return time.perf_counter() - started, run


def _prompt_edited(text: str) -> str:
    """The config with only its prompt changed (an app without a prompt section gets one)."""
    if "Helpful Answer:" in text:
        return text.replace("Helpful Answer:", "Answer in one sentence:")
    return text.replace("  llm:\n", "  prompt:\n    template: 'Context: {context}\\nQ: {question}\\nA:'\n  llm:\n", 1)


def main(app: str = "covid-qa", keep: str | None = None) -> None:
    """Bench ``app``; with ``keep``, the run folders and state stay in that (new) folder for inspection."""
    config = ROOT / "rag-configs" / f"{app}.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(keep) if keep else Path(tmp)
        cold_s, cold = _timed(config, work / "cold", work / "state")
        edited = work / f"{app}.yaml"
        text = config.read_text(encoding="utf-8")
        edited.write_text(_prompt_edited(text), encoding="utf-8")
        warm_s, warm = _timed(edited, work / "prompt", work / "state")
    ratio = warm_s / cold_s
    reused = {e.step for e in warm.steps if e.event == "cached"}
    rerun = sorted({e.step for e in warm.steps if e.event == "finished"} - {"importer", "importer-2"})
    rows = [
        ("app", app),
        ("questions", str(cold.report.counts.questions)),
        ("chunks", str(cold.index.chunks)),
        ("cold eval (s)", f"{cold_s:.1f}"),
        ("prompt-only re-run (s)", f"{warm_s:.1f}"),
        ("ratio", f"{ratio:.3f} ({'within' if ratio <= TARGET_RATIO else 'OVER'} the {TARGET_RATIO} target)"),
        ("index reused on re-run", "yes" if warm.index_reused else "NO"),
        ("retrieval reused on re-run", "yes" if "retrieve-testset" in reused else "NO"),
        ("steps run again", ", ".join(rerun)),
        ("same metrics", "yes" if warm.report.metrics == cold.report.metrics else "no"),
    ]
    print_measures(rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
