"""The pull-request comment section of one app, in GitHub-flavoured Markdown.

Read top-down, a reviewer sees: the verdict in one line; the gated metrics (base, head, ▲/▼ delta, 95% CI,
p-value, rule outcome); then, folded, the exploratory metrics, the per-question changes, the questions left out of
the comparison, what changed (config keys, documents, test sets), cost and latency; and links to the full report
and the workflow run. The same DiffResult always gives the same bytes. Long lists are cut to fit ``max_chars``
(GitHub refuses a comment over 65,536 characters), with a note saying how many rows were left out and where the
full list is.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ragops.evaluation.diff import format as f
from ragops.evaluation.diff.model import ConfigKeyChange, DiffResult, MetricDelta
from ragops.evaluation.gates import GateOutcome
from ragops.evaluation.percent import percent

MAX_CHARS = 60_000  # under GitHub's 65,536, leaving room for the sticky comment's marker and other apps' notes
FULL_LIST = "the full list is in `ragops diff --format json` (and the workflow run's artifacts)"


@dataclass(frozen=True)
class Limits:
    """Rows shown per list; halved until the section fits."""

    question_changes: int = 40
    question_set: int = 60
    config_keys: int = 80
    documents: int = 60
    exploratory: int = 200

    def halved(self) -> Limits:
        return Limits(
            *(
                max(0, n // 2)
                for n in (self.question_changes, self.question_set, self.config_keys, self.documents, self.exploratory)
            )
        )

    def exhausted(self) -> bool:
        return not any((self.question_changes, self.question_set, self.config_keys, self.documents, self.exploratory))


def _cell(text: str) -> str:
    return escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _left_out(shown: int, total: int, what: str) -> list[str]:
    if total <= shown:
        return []
    return ["", f"_{total - shown} more {what} not shown; {FULL_LIST}._"]


def headline(result: DiffResult) -> str:
    blocking = [g for g in result.gates if g.blocking]
    failing = result.failing
    warned = [g for g in result.gates if g.status in ("fail", "warn") and not g.blocking]
    if result.verdict == "fail":
        why = "; ".join(f"{_code(g.metric)} {g.reason}" for g in failing[:3])
        more = f" (+{len(failing) - 3} more)" if len(failing) > 3 else ""
        text = f"❌ **{result.app}: FAIL** — {len(failing)} of {len(blocking)} gate(s) failed: {_cell(why)}{more}"
    elif blocking:
        text = f"✅ **{result.app}: PASS** — all {len(blocking)} gate(s) passed"
    else:
        text = f"✅ **{result.app}: PASS** — no blocking gate is configured"
    if warned:
        text += f" · ⚠️ {len(warned)} advisory warning(s)"
    q = result.questions
    if result.new_app:
        text += f" · new app, {q.added} question(s), no base to compare with"
    else:
        text += f" · {q.paired} paired question(s)"
        apart = [f"{n} {what}" for n, what in ((q.added, "added"), (q.removed, "removed"), (q.edited, "edited")) if n]
        if apart:
            text += f" ({', '.join(apart)} not compared)"
    return text


def _metric_row(metric: MetricDelta, outcome: GateOutcome | None) -> str:
    gate = f"{f.gate_mark(outcome)}: {_cell(outcome.reason)}" if outcome is not None else ""
    return (
        f"| {_code(metric.name)} | {f.value(metric.base)} | {f.value(metric.head)} | {f.delta_cell(metric)} | "
        f"{f.ci(metric)} | {f.p_value(metric.p_value)} |" + (f" {gate} |" if outcome is not None else "")
    )


def _gated_table(result: DiffResult) -> list[str]:
    metrics = {m.name: m for m in result.metrics}
    timings = {t.name: t for t in result.timings}
    lines = ["| Metric | Base | Head | Δ | 95% CI | p | Gate |", "|---|--:|--:|---|---|--:|---|"]
    for outcome in result.gates:
        metric = metrics.get(outcome.metric)
        if metric is not None:
            lines.append(_metric_row(metric, outcome))
            continue
        timing = timings.get(outcome.metric)
        if timing is not None:
            lines.append(
                f"| {_code(timing.name)} | {f.value(timing.base, 1)} | {f.value(timing.head, 1)} | "
                f"{f.timing_delta(timing)} | – | – | {f.gate_mark(outcome)}: {_cell(outcome.reason)} |"
            )
        else:
            lines.append(
                f"| {_code(outcome.metric)} | – | – | – | – | – | {f.gate_mark(outcome)}: {_cell(outcome.reason)} |"
            )
    return lines


def _details(summary: str, body: list[str]) -> list[str]:
    return ["", f"<details><summary>{summary}</summary>", "", *body, "", "</details>"]


def _exploratory(result: DiffResult, limit: int) -> list[str]:
    rows = [m for m in result.metrics if m.standing == "exploratory"]
    if not rows:
        return []
    # Biggest significant changes first, so what moved is at the top; then report order.
    order = {m.name: i for i, m in enumerate(result.metrics)}
    rows.sort(key=lambda m: (not m.significant, -abs(m.delta or 0.0), order[m.name]))
    shown = rows[:limit]
    moved = sum(1 for m in rows if m.significant)
    body = ["| Metric | Base | Head | Δ | 95% CI | p | n |", "|---|--:|--:|---|---|--:|--:|"]
    body += [
        f"| {_code(m.name)} | {f.value(m.base)} | {f.value(m.head)} | {f.delta_cell(m)} | {f.ci(m)} | "
        f"{f.p_value(m.p_value)} | {m.n} |"
        for m in shown
    ]
    body += _left_out(len(shown), len(rows), "metrics")
    summary = f"Exploratory metrics ({len(rows)}, no gate; {moved} with a CI excluding 0)"
    return _details(summary, body)


def _question_changes(result: DiffResult, limit: int) -> list[str]:
    changes = result.question_changes
    if result.new_app or not changes:
        return []
    failing = sum(1 for q in changes if q.status == "newly_failing")
    fixed = len(changes) - failing
    body: list[str] = []
    for q in changes[:limit]:
        label = "▼ newly failing" if q.status == "newly_failing" else "▲ newly fixed"
        body += [
            f"- **{label}** {_code(q.testset + '/' + q.id)} — {_cell(', '.join(q.criteria))}",
            f"  - question: {_cell(f.clip(q.question, 300))}",
            f"  - base answer: {_cell(f.clip(q.base_answer, 200)) or '_(none)_'}",
            f"  - head answer: {_cell(f.clip(q.head_answer, 200)) or '_(none)_'}",
            f"  - gold: {_cell(f.clip(' | '.join(q.gold_answers), 200))} — documents "
            f"{', '.join(_code(d) for d in q.gold_doc_ids)}; top docs base "
            f"{', '.join(_code(d) for d in q.base_top_docs) or '–'} → head "
            f"{', '.join(_code(d) for d in q.head_top_docs) or '–'}",
        ]
    body += _left_out(min(limit, len(changes)), len(changes), "questions")
    summary = f"Per-question changes: {failing} newly failing, {fixed} newly fixed (worst first)"
    return _details(summary, body)


def _question_set(result: DiffResult, limit: int) -> list[str]:
    entries = result.question_set
    if not entries:
        return []
    body = ["| Change | Question | Text |", "|---|---|---|"]
    body += [
        f"| {e.kind} | {_code(e.testset + '/' + e.id)} | {_cell(f.clip(e.question, 160))} |" for e in entries[:limit]
    ]
    body += _left_out(min(limit, len(entries)), len(entries), "questions")
    q = result.questions
    summary = f"Test-set questions not compared: {q.added} added, {q.removed} removed, {q.edited} edited"
    return _details(summary, body)


def _what_changed(result: DiffResult, limits: Limits) -> list[str]:
    if result.new_app:
        return ["", "**What changed:** the app is new."]
    parts: list[str] = []
    keys = result.config_changes
    parts.append(f"config: {len(keys)} key(s)" if keys else "config: no change")
    documents = result.data.documents
    if result.data.known:
        counts = {kind: sum(1 for d in documents if d.kind == kind) for kind in ("added", "removed", "modified")}
        parts.append(
            "documents: " + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
            if documents
            else "documents: no change"
        )
    q = result.questions
    parts.append(
        f"test sets: {q.added} added, {q.removed} removed, {q.edited} edited"
        if q.added or q.removed or q.edited
        else "test sets: no change"
    )
    software = result.software_changes
    if software:
        parts.append("software: " + ", ".join(_software(c) for c in software))
    lines = ["", "**What changed:** " + " · ".join(parts)]
    if keys:
        shown = keys[: limits.config_keys]
        small = len(keys) <= 5
        body = ["| Config key | Base | Head |", "|---|---|---|"]
        body += [
            f"| {_code(c.key)} | {_code(f.clip(c.base, 120)) if c.base is not None else '_(absent)_'} | "
            f"{_code(f.clip(c.head, 120)) if c.head is not None else '_(absent)_'} |"
            for c in shown
        ]
        body += _left_out(len(shown), len(keys), "config keys")
        lines += ["", *body] if small else _details(f"Config keys changed ({len(keys)})", body)
    if documents:
        shown_docs = documents[: limits.documents]
        body = ["| Change | Document |", "|---|---|"] + [f"| {d.kind} | {_code(d.doc_id)} |" for d in shown_docs]
        body += _left_out(len(shown_docs), len(documents), "documents")
        lines += _details(f"Documents changed ({len(documents)})", body)
    for note in result.data.notes:
        lines += ["", f"_{_cell(note)}_"]
    return lines


def _software(change: ConfigKeyChange) -> str:
    if change.key == "ragops code":
        return f"ragops code {_code((change.base or '?')[:8])} → {_code((change.head or '?')[:8])}"
    return f"{change.key.removeprefix('package ')} {change.base or '(absent)'} → {change.head or '(absent)'}"


def _timings(result: DiffResult) -> list[str]:
    if not result.timings:
        return []
    body = ["| Measure | Base | Head | Δ | Δ % |", "|---|--:|--:|---|--:|"]
    for t in result.timings:
        relative = percent(t.relative, signed=True) if t.relative is not None else "–"
        body.append(
            f"| {_code(t.name)} | {f.value(t.base, 1)} | {f.value(t.head, 1)} | {f.timing_delta(t)} | {relative} |"
        )
    summary = "Cost and latency (advisory: timings vary between machines and runs"
    if any(not t.comparable for t in result.timings):
        summary += "; latency and throughput not comparable here, see the notes"
    return _details(summary + ")", body)


def _footer(result: DiffResult) -> list[str]:
    lines: list[str] = []
    for note in result.notes:
        lines += ["", f"_Note: {_cell(note)}_"]
    links = []
    if result.links.report:
        links.append(f"[full report]({result.links.report})")
    if result.links.workflow_run:
        links.append(f"[workflow run]({result.links.workflow_run})")
    base = result.base
    sides = f"base {_code((base.commit or 'unknown')[:12])} → " if base else ""
    head = _code((result.head.commit or "unknown")[:12]) + (" (uncommitted changes)" if result.head.dirty else "")
    lines += ["", f"<sub>{sides}head {head}" + (" · " + " · ".join(links) if links else "") + "</sub>"]
    return lines


def _render(result: DiffResult, limits: Limits) -> str:
    lines = [f"### {headline(result)}", ""]
    lines += _gated_table(result) if result.gates else ["_No gate rule applies to this app._"]
    lines += _exploratory(result, limits.exploratory)
    lines += _question_changes(result, limits.question_changes)
    lines += _question_set(result, limits.question_set)
    lines += _what_changed(result, limits)
    lines += _timings(result)
    lines += _footer(result)
    return "\n".join(lines) + "\n"


def render(result: DiffResult, max_chars: int = MAX_CHARS) -> str:
    """The comment section; lists are cut (with a note) until it fits in ``max_chars``."""
    limits = Limits()
    text = _render(result, limits)
    while len(text) > max_chars and not limits.exhausted():
        limits = limits.halved()
        text = _render(result, limits)
    if len(text) > max_chars:
        note = f"\n\n_Cut at {max_chars} characters; {FULL_LIST}._\n"
        text = text[: max(0, max_chars - len(note))] + note
    return text
