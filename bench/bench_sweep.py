"""Benchmark: a 12-setting retrieval-only sweep against one cold evaluation of the same app.

The sweep's settings change only fusion (``retrieval.fusion.k`` × ``retrieval.fusion.text_weight``), so they share
the index, its embeddings and the question vectors with the current config: the sweep should cost one cold
evaluation plus a tenth of one per setting (TARGET: sweep ≤ cold × (1 + 12 × 0.1)). Both start from an empty
state folder (no embedding cache, no KFP cache). Prints a table: the cold evaluation, the sweep, its shared part
(building the index) and what each setting cost beyond it. Run with `make bench` or
`.venv/bin/python bench/bench_sweep.py [APP [KEEP_DIR]]` (KEEP_DIR keeps the folders for inspection).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from measures import print_measures

from ragops.app.evaluate import evaluate
from ragops.app.sweep import SweepRequest, sweep
from ragops.pipelines.events import StepEvent

ROOT = Path(__file__).resolve().parents[1]
GRID = ["retrieval.fusion.k=5,20,60", "retrieval.fusion.text_weight=0.5,1,2,3"]  # 12 settings, none the current
SETTINGS = 12
PER_SETTING = 0.1  # of a cold evaluation


class StepClock:
    """Wall seconds of every step, from the pipeline's started/finished events."""

    def __init__(self) -> None:
        self.started: dict[str, list[float]] = {}
        self.seconds: dict[str, float] = {}
        self.finished: dict[str, int] = {}

    def __call__(self, event: StepEvent) -> None:
        now = time.perf_counter()
        if event.event == "started":
            self.started.setdefault(event.step, []).append(now)
        elif event.event == "finished" and self.started.get(event.step):
            # Steps of one name can run two at a time: pair each end with the earliest open start.
            self.seconds[event.step] = self.seconds.get(event.step, 0.0) + now - self.started[event.step].pop(0)
            self.finished[event.step] = self.finished.get(event.step, 0) + 1


def main(app: str = "covid-qa", keep: str | None = None) -> None:
    config = ROOT / "rag-configs" / f"{app}.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(keep) if keep else Path(tmp)
        started = time.perf_counter()
        cold = evaluate(config, ROOT, work / "cold", state_dir=work / "eval-state")
        cold_s = time.perf_counter() - started
        clock = StepClock()
        started = time.perf_counter()
        outcome = sweep(
            config,
            ROOT,
            SweepRequest(grids=[GRID], budget=SETTINGS),
            out_dir=work / "sweep",
            state_dir=work / "sweep-state",
            on_step=clock,
        )
        sweep_s = time.perf_counter() - started
    result = outcome.result
    evaluations = clock.finished.get("score-run", 0)
    shared_s = clock.seconds.get("build-index", 0.0)
    per_setting_s = (sweep_s - shared_s) / max(evaluations, 1)
    target_s = cold_s * (1 + SETTINGS * PER_SETTING)
    rows = [
        ("app", app),
        ("questions (tuning / held out)", f"{result.split.tuning} / {result.split.confirmation}"),
        ("chunks", str(cold.index.chunks)),
        ("cold evaluation (s)", f"{cold_s:.1f}"),
        ("settings tried", f"{len(result.settings)} ({', '.join(GRID)})"),
        ("evaluations run (incl. current, held-out look)", str(evaluations)),
        ("sweep, cold (s)", f"{sweep_s:.1f}"),
        ("target (s): cold × (1 + 12 × 0.1)", f"{target_s:.1f} ({'within' if sweep_s <= target_s else 'OVER'})"),
        ("shared part: index build (s)", f"{shared_s:.1f}"),
        ("index builds", str(clock.finished.get("build-index", 0))),
        ("per evaluation beyond it (s)", f"{per_setting_s:.1f} ({per_setting_s / cold_s:.3f} of a cold evaluation)"),
        (
            "retrieve / generate / score, summed (s)",
            " / ".join(
                f"{clock.seconds.get(step, 0.0):.1f}" for step in ("retrieve-testset", "generate-answers", "score-run")
            ),
        ),
        ("selected", result.selected or "none (no setting is significantly better)"),
    ]
    print_measures(rows)


if __name__ == "__main__":
    main(*sys.argv[1:3])
