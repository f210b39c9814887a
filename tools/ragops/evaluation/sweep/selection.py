"""Honest selection among the settings of a sweep.

Every setting is compared with the current config on the tuning part of the questions with the same paired
statistics and the same gates as a pull request's diff (``evaluation.diff.compare``: a paired bootstrap CI and a
sign-flip permutation p-value per metric, the app's gate policy over the repository defaults). The objective's
p-values are corrected for the number of settings tried (``correction.holm``). The selected setting is the one
with the largest improvement of the objective among those whose improvement is significant after correction and
whose gates pass — so it would pass the same checks its pull request will face. When no setting qualifies,
nothing is selected: "no setting is significantly better" is an answer, not a failure.

These functions only ever see the tuning part; the confirmation part is looked at once, afterwards, for the
selected setting alone (:func:`confirm`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ragops.config.gate import GatePolicy, effective_policy
from ragops.config.models import AppConfig
from ragops.errors import UsageError
from ragops.evaluation.diff.compare import compare
from ragops.evaluation.diff.model import DiffResult, MetricDelta
from ragops.evaluation.gates import blocking
from ragops.evaluation.metrics import METRICS, Direction, bind, headline_names
from ragops.evaluation.run_folder import RunContents
from ragops.evaluation.sweep.correction import holm
from ragops.evaluation.sweep.model import Confirmation, SettingChange, SettingOutcome, Status

DEFAULT_ALPHA = 0.05
_EPS = 1e-12


def metric_names(config: AppConfig) -> list[str]:
    """Every per-question metric the app's runs report: the names an objective can be."""
    names = [metric.name for metric in bind(METRICS, config.spec.evaluation.k_values)]
    if config.spec.evaluation.judge is not None:
        from ragops.evaluation.judge import ANSWER_RELEVANCE, FAITHFULNESS

        names += [FAITHFULNESS, ANSWER_RELEVANCE]
    return names


def default_objective(config: AppConfig, defaults: GatePolicy | None) -> str:
    """The metric of the app's first blocking gate rule (what its pull requests are judged on first), else its
    first headline metric."""
    names = metric_names(config)
    policy, _origin = effective_policy(config.spec.evaluation.gate, defaults)
    roles = {metric.name: metric.info.role for metric in bind(METRICS, config.spec.evaluation.k_values)}
    for rule in policy.rules:
        if rule.metric in names and blocking(rule, roles.get(rule.metric, "advisory")):
            return rule.metric
    return headline_names(config.spec.evaluation.k_values)[0]


def check_objective(config: AppConfig, objective: str) -> None:
    names = metric_names(config)
    if objective not in names:
        raise UsageError(f"--metric {objective}: the app does not report it; one of {', '.join(names)}")


def improvement(delta: float, direction: Direction) -> float:
    """The change in the metric's better direction (positive: better)."""
    return delta if direction == "higher" else -delta


@dataclass(frozen=True)
class Candidate:
    """What selection needs of one setting: its objective change, that change's p-value, and its gate verdict."""

    improvement: float | None  # None: the objective is undefined on the shared questions
    p_value: float
    gates_pass: bool


@dataclass(frozen=True)
class Choice:
    selected: int | None
    adjusted: list[float]
    significant: list[bool]


def choose(candidates: Sequence[Candidate], alpha: float) -> Choice:
    """Holm-correct the p-values and pick the largest significant improvement whose gates pass (ties: the smaller
    adjusted p, then the earlier setting)."""
    adjusted = holm([c.p_value for c in candidates])
    significant = [
        c.improvement is not None and c.improvement > _EPS and adjusted[i] < alpha for i, c in enumerate(candidates)
    ]
    eligible = [i for i, c in enumerate(candidates) if significant[i] and c.gates_pass]

    def rank(i: int) -> tuple[float, float, int]:
        return (candidates[i].improvement or 0.0, -adjusted[i], -i)

    return Choice(max(eligible, key=rank) if eligible else None, adjusted, significant)


def _objective(diff: DiffResult, objective: str) -> MetricDelta:
    found = next((m for m in diff.metrics if m.name == objective), None)
    if found is None:
        raise UsageError(f"--metric {objective}: the runs do not report it")
    return found


def _failures(diff: DiffResult) -> list[str]:
    return [f"{g.metric}: {g.reason}" for g in diff.failing]


def compare_settings(
    base: RunContents,
    settings: Sequence[tuple[list[SettingChange], RunContents]],
    *,
    objective: str,
    alpha: float,
    defaults: GatePolicy | None,
) -> tuple[list[SettingOutcome], str | None]:
    """Every setting's outcome against ``base`` (all runs of the tuning part), and the id of the selected one."""
    diffs = [compare(base, run, defaults=defaults) for _changes, run in settings]
    objectives = [_objective(diff, objective) for diff in diffs]
    candidates = [
        Candidate(
            None if m.delta is None else improvement(m.delta, m.direction),
            1.0 if m.p_value is None else m.p_value,
            diff.verdict == "pass",
        )
        for m, diff in zip(objectives, diffs, strict=True)
    ]
    choice = choose(candidates, alpha)
    outcomes = []
    for i, ((changes, _run), diff, candidate) in enumerate(zip(settings, diffs, candidates, strict=True)):
        status: Status
        if i == choice.selected:
            status = "selected"
        elif choice.significant[i]:
            status = "better" if candidate.gates_pass else "gate-failed"
        elif (candidate.improvement or 0.0) < -_EPS and choice.adjusted[i] < alpha:
            status = "worse"
        else:
            status = "not-significant"
        outcomes.append(
            SettingOutcome(
                id=f"s{i + 1}",
                changes=changes,
                metrics=diff.metrics,
                p_value=candidate.p_value,
                p_adjusted=round(choice.adjusted[i], 10),
                significant=choice.significant[i],
                gates=diff.verdict,
                gate_failures=_failures(diff),
                status=status,
            )
        )
    selected = None if choice.selected is None else outcomes[choice.selected].id
    return outcomes, selected


def confirm(base: RunContents, selected: RunContents, *, objective: str, defaults: GatePolicy | None) -> Confirmation:
    """The selected setting against the current config on the held-out part: one comparison, no correction."""
    diff = compare(base, selected, defaults=defaults)
    metric = _objective(diff, objective)
    low, high = metric.ci_low, metric.ci_high
    better_side = (
        low is not None
        and high is not None
        and improvement(low if metric.direction == "higher" else high, metric.direction) > 0
    )
    worse_side = (
        low is not None
        and high is not None
        and improvement(high if metric.direction == "higher" else low, metric.direction) < 0
    )
    return Confirmation(
        questions=diff.questions.paired,
        metrics=diff.metrics,
        gates=diff.verdict,
        gate_failures=_failures(diff),
        confirmed=better_side,
        contradicted=worse_side,
    )
