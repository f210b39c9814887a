"""The sweep's report section, in GitHub-flavoured Markdown: what ``ragops sweep --format md`` prints and the
``/sweep`` workflow posts as a sticky pull-request comment.

Top-down: the answer in one line (the selected setting, or that no setting is significantly better); the expected
effect from the held-out questions; one table row per setting (objective value, delta with its 95% CI, raw and
corrected p, the other gated metrics' deltas, the gate verdict); then, folded, the change as a patch and how the
sweep was run (split, search, the command that reproduces it). The same SweepResult always gives the same bytes.
"""

from __future__ import annotations

from html import escape

from ragops.evaluation.diff import format as f
from ragops.evaluation.diff.model import MetricDelta
from ragops.evaluation.sweep.model import Confirmation, SettingOutcome, SweepResult

VERDICTS = {
    "selected": "**selected**",
    "better": "better, not the best",
    "gate-failed": "better, but a gate fails",
    "not-significant": "not significant",
    "worse": "worse",
}


def _cell(text: str) -> str:
    return escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def changes(setting: SettingOutcome) -> str:
    return " ".join(f"{c.key}={c.value}" for c in setting.changes)


def metric(setting: SettingOutcome | Confirmation, name: str) -> MetricDelta | None:
    return next((m for m in setting.metrics if m.name == name), None)


def delta_ci(m: MetricDelta | None) -> str:
    if m is None or m.delta is None:
        return "–"
    return f"{f.signed(m.delta)} {f.ci(m)}"


def gated_names(result: SweepResult) -> list[str]:
    """The metrics shown beside the objective: the other metrics a blocking rule names."""
    first = result.settings[0]
    return [m.name for m in first.metrics if m.standing == "gated" and m.name != result.objective]


def headline(result: SweepResult) -> str:
    winner = result.winner
    if winner is None:
        return (
            f"### Sweep of {_code(result.app)}: no setting is significantly better\n\n"
            f"None of the {len(result.settings)} setting(s) tried improves {_code(result.objective)} significantly "
            f"(Holm-corrected, α = {f.p_value(result.alpha)}) while passing the gates: keep the current config."
        )
    return f"### Sweep of {_code(result.app)}: {_code(changes(winner))} is better"


def expected_effect(result: SweepResult) -> list[str]:
    held = result.confirmation
    if held is None:
        return []
    m = metric(held, result.objective)
    if m is None:
        return []
    if held.confirmed:
        verdict = "confirmed: its 95% CI lies on the better side of 0"
    elif held.contradicted:
        verdict = "**contradicted**: its 95% CI lies on the worse side of 0 — do not apply it"
    else:
        verdict = "not confirmed: its 95% CI includes 0, the effect may be smaller than on the tuning part"
    gates = "gates pass" if held.gates == "pass" else "a gate fails: " + _cell("; ".join(held.gate_failures))
    return [
        f"**Expected effect** on the {held.questions} held-out questions (looked at once, for this setting only): "
        f"{_code(result.objective)} {f.value(m.base)} → {f.value(m.head)}, Δ {delta_ci(m)}, p {f.p_value(m.p_value)} "
        f"— {verdict}; {gates}.",
    ]


def table(result: SweepResult) -> list[str]:
    others = gated_names(result)
    first = metric(result.settings[0], result.objective)
    header = ["", "setting", _code(result.objective), "Δ [95% CI]", "p", "Holm p"]
    header += [f"{_code(name)} Δ" for name in others] + ["gates", "verdict"]
    align = ["---", "---", "---:", "---", "---:", "---:"] + ["---"] * len(others) + ["---", "---"]
    current = ["", "current config", f.value(first.base if first else None), "", "", "", *("" for _ in others)]
    rows = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        "| " + " | ".join([*current, "", ""]) + " |",
    ]
    for setting in result.settings:
        m = metric(setting, result.objective)
        selected = setting.id == result.selected
        name = f"**{setting.id}**" if selected else setting.id
        cells = [
            name,
            _code(changes(setting)),
            f.value(m.head if m else None),
            delta_ci(m),
            f.p_value(setting.p_value),
            f.p_value(setting.p_adjusted),
            *(delta_ci(metric(setting, other)) for other in others),
            "✅" if setting.gates == "pass" else "❌ " + _cell("; ".join(setting.gate_failures)),
            VERDICTS[setting.status],
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def how(result: SweepResult) -> list[str]:
    split, search = result.split, result.search
    tried = (
        f"a seeded random {search.tried} of the {search.size} valid settings (--budget {search.budget}, "
        f"--seed {search.seed})"
        if search.sampled
        else f"all {search.tried} valid setting(s)"
    )
    grids = " or ".join(
        " × ".join(f"{_code(key)} ∈ {{{', '.join(values)}}}" for key, values in grid.items()) for grid in search.grids
    )
    lines = [
        "<details><summary>How this sweep was run</summary>",
        "",
        f"- **Split**: a question is held out when sha256(salt {_code(split.salt)}, test set, id) falls in the first "
        f"{f.value(split.confirmation_fraction, 2)} of its range: {split.tuning} tuning, {split.confirmation} "
        "held-out questions (listed in sweep.json). Selection never sees the held-out ones.",
        f"- **Search**: {grids}; {tried}.",
        f"- **Selection**: each setting against the current config on the tuning questions, paired bootstrap 95% "
        f"CI and sign-flip permutation p-value (as `ragops diff`); p-values Holm-corrected for {search.tried} "
        f"setting(s); selected: the largest significant improvement of {_code(result.objective)} whose gates pass.",
    ]
    if search.skipped:
        lines.append(f"- **Skipped** ({len(search.skipped)}): " + _cell("; ".join(search.skipped[:20])))
    lines += [f"- **Reproduce**: {_code(result.command)}", "", "</details>"]
    return lines


def render(result: SweepResult) -> str:
    lines = [headline(result), ""]
    effect = expected_effect(result)
    if effect:
        lines += [*effect, ""]
    lines += [
        f"Tuning part: {result.split.tuning} questions; {len(result.settings)} setting(s) against the current "
        f"config, objective {_code(result.objective)} ({result.direction} is better), Holm-corrected, "
        f"α = {f.p_value(result.alpha)}.",
        "",
        *table(result),
        "",
        "_Each Δ's 95% CI is the setting's own; the verdict rests on the p-value corrected for all the settings "
        "tried (Holm), so a CI that excludes 0 can still be not significant._",
        "",
    ]
    if result.patch:
        lines += [
            "<details><summary>The change (<code>ragops sweep … --write</code> applies it)</summary>",
            "",
            "```diff",
            result.patch.rstrip("\n"),
            "```",
            "",
            "</details>",
            "",
        ]
    lines += [f"> {_cell(note)}" for note in result.notes]
    if result.notes:
        lines.append("")
    lines += [*how(result), ""]
    return "\n".join(lines)
