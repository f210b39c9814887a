"""The sweep for a terminal: the answer, the expected effect, and one aligned row per setting."""

from __future__ import annotations

from ragops.evaluation.diff import format as f
from ragops.evaluation.sweep.model import SweepResult
from ragops.evaluation.sweep.sweep_md import VERDICTS, changes, delta_ci, metric


def render(result: SweepResult) -> str:
    winner = result.winner
    objective = result.objective
    if winner is None:
        lines = [
            f"{result.app}: no setting is significantly better than the current config "
            f"({len(result.settings)} tried, {objective}, Holm-corrected, alpha {f.p_value(result.alpha)})"
        ]
    else:
        m = metric(winner, objective)
        lines = [
            f"{result.app}: {winner.id} is better — {changes(winner)} "
            f"({objective} {delta_ci(m)} on {result.split.tuning} tuning questions, Holm p "
            f"{f.p_value(winner.p_adjusted)})"
        ]
    held = result.confirmation
    if held is not None and (m := metric(held, objective)) is not None:
        verdict = "confirmed" if held.confirmed else "CONTRADICTED" if held.contradicted else "not confirmed"
        lines.append(
            f"expected effect on {held.questions} held-out questions: {objective} {f.value(m.base)} → "
            f"{f.value(m.head)}, {delta_ci(m)} ({verdict}; gates {held.gates})"
        )
    first = metric(result.settings[0], objective)
    rows = [["", "setting", objective, "delta [95% CI]", "p", "Holm p", "gates", "verdict"]]
    rows.append(["", "current config", f.value(first.base if first else None), "", "", "", "", ""])
    for setting in result.settings:
        m = metric(setting, objective)
        rows.append(
            [
                setting.id,
                changes(setting),
                f.value(m.head if m else None),
                delta_ci(m),
                f.p_value(setting.p_value),
                f.p_value(setting.p_adjusted),
                setting.gates,
                VERDICTS[setting.status].strip("*"),
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines.append("")
    lines += ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.search.skipped:
        lines.append(f"skipped {len(result.search.skipped)} grid point(s); see sweep.json")
    return "\n".join(lines) + "\n"
