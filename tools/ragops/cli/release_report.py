"""How ``ragops release run`` reports a release: a table for people, JSON for tools, and for a workflow the
annotations, the job summary and the step outputs (``--format github``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ragops.app.release import AppRelease, ReleaseResult
from ragops.github.step_outputs import OUTPUT_ENV, append_outputs, outputs_file
from ragops.github.summary import append_step_summary

_WORDS = {
    "released": "released",
    "unchanged": "unchanged",
    "up-to-date": "up to date",
    "no-overlay": "no overlay",
    "gate-failed": "GATE FAILED",
    "infrastructure-error": "INFRASTRUCTURE ERROR",
    "failed": "FAILED",
}


def _first(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def render_text(result: ReleaseResult) -> str:
    plan = result.plan
    lines = [f"release of {plan.head[:12]} to {plan.environment}:"]
    width = max((len(a.app) for a in result.apps), default=0)
    state = max((len(_WORDS[a.outcome]) for a in result.apps), default=0)
    for entry in result.apps:
        reason, *more = entry.reason.strip().splitlines() or [""]
        lines.append(f"  {entry.app:<{width}}  {_WORDS[entry.outcome]:<{state}}  {reason}")
        lines += [f"  {'':<{width}}  {'':<{state}}  {line.strip()}" for line in more]
        if entry.fix:
            lines.append(f"  {'':<{width}}  {'':<{state}}  fix: {entry.fix}")
    if result.commit:
        lines.append(
            f"committed {result.commit[:12]}: {' '.join(a.app for a in result.released)} to {plan.environment}"
        )
    elif result.released:
        lines.append("not committed (--no-commit): the overlays are written in the checkout")
    else:
        lines.append(f"nothing to commit: no app was released to {plan.environment}")
    if result.failures:
        lines.append("not released: " + ", ".join(f"{a.app} ({_WORDS[a.outcome].lower()})" for a in result.failures))
    return "\n".join(lines)


def to_json(result: ReleaseResult) -> dict[str, Any]:
    return {
        "environment": result.plan.environment,
        "head": result.plan.head,
        "deployed_ref": result.plan.deployed_ref,
        "commit": result.commit,
        "apps": [
            {
                "app": a.app,
                "outcome": a.outcome,
                "reason": a.reason,
                "release_id": a.release_id,
                "run_dir": str(a.run_dir) if a.run_dir else None,
                "fix": a.fix,
            }
            for a in result.apps
        ],
        "failed": [a.app for a in result.failures],
    }


def summary(result: ReleaseResult) -> str:
    plan = result.plan
    lines = [f"### Release of `{plan.head[:12]}` to {plan.environment}", "", "| app | outcome | why |", "|---|---|---|"]
    for a in result.apps:
        why = _first(a.reason).replace("|", "\\|") + (f" — fix: {a.fix}" if a.fix else "")
        lines.append(f"| {a.app} | {_WORDS[a.outcome]} | {why} |")
    lines.append("")
    lines.append(f"Committed `{result.commit[:12]}`." if result.commit else "Nothing committed.")
    return "\n".join(lines) + "\n"


def _annotation(entry: AppRelease) -> str | None:
    text = f"{entry.app}: {_WORDS[entry.outcome].lower()}: {_first(entry.reason)}"
    if entry.failed:
        return f"::error::{text}"
    if entry.outcome == "no-overlay":
        return f"::warning::{text}; fix: {entry.fix}"
    return None


def to_github(result: ReleaseResult, output: Path | None, *, annotate: bool = True) -> None:
    """Annotations on stdout, the summary table in the job summary, and the step outputs."""
    if annotate:
        for entry in result.apps:
            line = _annotation(entry)
            if line is not None:
                print(line)
        if os.environ.get("GITHUB_STEP_SUMMARY"):
            append_step_summary(Path(os.environ["GITHUB_STEP_SUMMARY"]), summary(result), where="the step log")
    values = {
        "released": " ".join(a.app for a in result.released),
        "failed": " ".join(a.app for a in result.failures),
        "commit": result.commit or "",
    }
    target = output or (outputs_file(None) if os.environ.get(OUTPUT_ENV) else None)
    if target is not None:
        append_outputs(target, values)
