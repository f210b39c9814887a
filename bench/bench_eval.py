"""Benchmark: a cold evaluation versus a re-run after changing only the prompt.

The second run must reuse the index (the KFP cache keys build_index on content hashes) and take well under
half the cold time. Prints a table; run with `make bench` or `.venv/bin/python bench/bench_eval.py [APP]`.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ragops.pipelines.evaluate import EvalRun, evaluate

ROOT = Path(__file__).resolve().parents[1]


def _timed(config: Path, out: Path, state: Path) -> tuple[float, EvalRun]:
    started = time.perf_counter()
    run = evaluate(config, ROOT, out, state_dir=state)
    return time.perf_counter() - started, run


def _prompt_edited(text: str) -> str:
    """The config with only its prompt changed (an app without a prompt section gets one)."""
    if "Helpful Answer:" in text:
        return text.replace("Helpful Answer:", "Answer in one sentence:")
    return text.replace("  llm:\n", "  prompt:\n    template: 'Context: {context}\\nQ: {question}\\nA:'\n  llm:\n", 1)


def main(app: str = "covid-qa") -> None:
    config = ROOT / "rag-configs" / f"{app}.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        cold_s, cold = _timed(config, work / "cold", work / "state")
        edited = work / f"{app}.yaml"
        text = config.read_text(encoding="utf-8")
        edited.write_text(_prompt_edited(text), encoding="utf-8")
        warm_s, warm = _timed(edited, work / "prompt", work / "state")
    rows = [
        ("app", app),
        ("questions", str(cold.report.counts.questions)),
        ("chunks", str(cold.index["chunks"])),
        ("cold eval (s)", f"{cold_s:.1f}"),
        ("prompt-only re-run (s)", f"{warm_s:.1f}"),
        ("ratio", f"{warm_s / cold_s:.2f}"),
        ("index reused on re-run", "yes" if warm.index_reused else "NO"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
