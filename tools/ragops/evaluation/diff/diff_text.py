"""``ragops diff --format text``: the same content as the comment, for a terminal."""

from __future__ import annotations

from ragops.evaluation.diff import format as f
from ragops.evaluation.diff.model import DiffResult


def render(result: DiffResult, max_rows: int = 20) -> str:
    verdict = "FAIL" if result.verdict == "fail" else "PASS"
    q = result.questions
    lines = [f"{result.app}: {verdict}"]
    if result.new_app:
        lines.append(f"  new app: {q.added} question(s), nothing to compare with")
    else:
        lines.append(
            f"  {q.paired} paired question(s); not compared: {q.added} added, {q.removed} removed, {q.edited} edited"
        )
    if result.gates:
        lines += ["", "gates:"]
        for g in result.gates:
            flag = {"pass": "pass", "fail": "FAIL", "warn": "warn", "missing": "MISSING"}[g.status]
            if not g.blocking and g.status != "pass":
                flag = "warn" if g.status != "missing" else "n/a"
            kind = "" if g.blocking else " (advisory)"
            lines.append(f"  [{flag}] {g.metric}{kind}: {g.reason}")
    width = max((len(m.name) for m in result.metrics), default=6)
    lines += ["", f"  {'metric':<{width}}  {'base':>7}  {'head':>7}  {'delta':>9}  {'95% CI':<18}  {'p':>6}  standing"]
    for m in result.metrics:
        lines.append(
            f"  {m.name:<{width}}  {f.value(m.base):>7}  {f.value(m.head):>7}  {f.arrow(m.delta):>9}  "
            f"{f.ci(m):<18}  {f.p_value(m.p_value):>6}  {m.standing}"
        )
    if result.question_changes:
        lines += ["", "per-question changes (worst first):"]
        for qd in result.question_changes[:max_rows]:
            lines.append(
                f"  {qd.status:<13} {qd.testset}/{qd.id}: {', '.join(qd.criteria)} — {f.clip(qd.question, 80)}"
            )
        if len(result.question_changes) > max_rows:
            lines.append(f"  … {len(result.question_changes) - max_rows} more (see --format json)")
    if result.question_set:
        lines += ["", "questions not compared:"]
        for e in result.question_set[:max_rows]:
            lines.append(f"  {e.kind:<8} {e.testset}/{e.id}: {f.clip(e.question, 80)}")
        if len(result.question_set) > max_rows:
            lines.append(f"  … {len(result.question_set) - max_rows} more (see --format json)")
    keyed = (("config keys changed", result.config_changes), ("software changed", result.software_changes))
    for title, changes in keyed:
        if changes:
            lines += ["", f"{title}:"]
            lines += [f"  {c.key}: {c.base or '(absent)'} → {c.head or '(absent)'}" for c in changes]
    if result.data.documents:
        lines += ["", f"documents changed: {len(result.data.documents)}"]
        lines += [f"  {d.kind:<8} {d.doc_id}" for d in result.data.documents[:max_rows]]
    lines += [f"note: {note}" for note in [*result.data.notes, *result.notes]]
    return "\n".join(lines) + "\n"
