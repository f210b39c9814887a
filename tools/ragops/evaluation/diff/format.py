"""Number and text formatting shared by the diff renderers: fixed precision, so output is byte-stable."""

from __future__ import annotations

from ragops.evaluation.diff.model import MetricDelta, TimingDelta
from ragops.evaluation.gates import GateOutcome
from ragops.evaluation.percent import MINUS


def value(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    text = f"{x:.{digits}f}"
    if text.startswith("-"):
        text = MINUS + text[1:]
    return "0." + "0" * digits if text == MINUS + "0." + "0" * digits else text


def signed(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    text = value(x, digits)
    return text if text.startswith(MINUS) or text == "0." + "0" * digits else "+" + text


def arrow(delta: float | None, digits: int = 3) -> str:
    """▲ up / ▼ down / = for no change at the shown precision: colour-neutral, readable without colour."""
    if delta is None:
        return ""
    shown = signed(delta, digits)
    if shown == "0." + "0" * digits:
        return "= 0"
    return ("▲ " if delta > 0 else "▼ ") + shown


def timing_delta(timing: TimingDelta, digits: int = 1) -> str:
    """A timing's delta cell: the arrow, or "not comparable" when the runs measured time under other conditions."""
    return arrow(timing.delta, digits) if timing.comparable else "not comparable"


def ci(metric: MetricDelta, digits: int = 3) -> str:
    if metric.ci_low is None or metric.ci_high is None:
        return "–"
    return f"[{signed(metric.ci_low, digits)}, {signed(metric.ci_high, digits)}]"


def p_value(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def delta_cell(metric: MetricDelta) -> str:
    shown = arrow(metric.delta)
    if not shown or shown == "= 0":
        return shown
    return f"{shown} ({metric.change})"


def gate_mark(outcome: GateOutcome) -> str:
    return (
        {"pass": "✅ pass", "fail": "❌ FAIL", "warn": "⚠️ warn", "missing": "❌ missing"}[outcome.status]
        if (outcome.blocking or outcome.status == "pass")
        else {"fail": "⚠️ warn", "warn": "⚠️ warn", "missing": "– n/a"}.get(outcome.status, outcome.status)
    )


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
