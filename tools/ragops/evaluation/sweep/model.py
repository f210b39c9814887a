"""``SweepResult``: the typed outcome of a sweep — every setting tried, its paired comparison with the current config
on the tuning part, the corrected p-values, the setting selected (or none) and the one look at the confirmation
part.

Like the diff's ``DiffResult``, it holds nothing that varies between two sweeps of the same inputs (no clock, no
run ids, no absolute paths), so its JSON is byte-identical for the same config, data, code and options. Its schema
is ``schemas/sweep-result.v1.json``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.evaluation.diff.model import MetricDelta
from ragops.evaluation.metrics import Direction

SCHEMA_VERSION: Literal[1] = 1
Status = Literal["selected", "better", "gate-failed", "not-significant", "worse"]
Correction = Literal["holm"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SettingChange(_Frozen):
    key: str = Field(description="Dotted config key under spec, e.g. retrieval.fusion.k.")
    value: str = Field(description="The value as written in YAML, e.g. 20, 0.5, vector.")


class SettingOutcome(_Frozen):
    """One setting, compared with the current config on the tuning part."""

    id: str = Field(description="s1, s2, … in the order the settings were tried.")
    changes: list[SettingChange]
    metrics: list[MetricDelta] = Field(
        description="Every metric, base = the current config, head = this setting, on the tuning questions."
    )
    p_value: float = Field(description="The objective's two-sided paired permutation p-value.")
    p_adjusted: float = Field(description="The p-value corrected for the number of settings tried.")
    significant: bool = Field(description="The objective moved the better way with p_adjusted below alpha.")
    gates: Literal["pass", "fail"] = Field(description="The app's gate verdict against the current config.")
    gate_failures: list[str] = Field(description="Why each blocking gate failed.")
    status: Status


class Confirmation(_Frozen):
    """The selected setting against the current config on the held-out part: the sweep's one look at it."""

    questions: int = Field(ge=0, description="Held-out questions both runs answered.")
    metrics: list[MetricDelta]
    gates: Literal["pass", "fail"]
    gate_failures: list[str]
    confirmed: bool = Field(description="The objective's 95% CI on the held-out part lies on the better side of 0.")
    contradicted: bool = Field(description="The objective's 95% CI on the held-out part lies on the worse side of 0.")


class SplitInfo(_Frozen):
    salt: str
    confirmation_fraction: float
    tuning: int = Field(ge=0, description="Questions in the tuning part: every setting is compared on these.")
    confirmation: int = Field(ge=0, description="Questions held out: looked at once, for the selected setting.")
    confirmation_ids: list[str] = Field(description="TESTSET/ID of every held-out question, sorted.")


class SearchInfo(_Frozen):
    grids: list[dict[str, list[str]]] = Field(description="Each grid: key → values (the settings are their union).")
    size: int = Field(ge=0, description="Distinct valid settings in the grids, the current config left out.")
    tried: int = Field(ge=0)
    sampled: bool = Field(description="More settings than the budget: a seeded random sample of them was tried.")
    budget: int
    seed: int
    skipped: list[str] = Field(description="Grid points left out, and why (same as the current config, invalid).")


class SweepResult(_Frozen):
    """``ragops sweep --format json``: one app, its current config against every setting tried."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="SweepResult")

    schema_version: Literal[1] = SCHEMA_VERSION
    app: str
    config: str = Field(description="The config file, relative to the repository root.")
    command: str = Field(description="The command line that reproduces this sweep.")
    objective: str = Field(description="The metric the settings are compared on.")
    direction: Direction
    alpha: float
    correction: Correction = Field(description="holm: Holm's step-down correction over the settings tried.")
    split: SplitInfo
    search: SearchInfo
    settings: list[SettingOutcome]
    selected: str | None = Field(description="Id of the selected setting; null when none is significantly better.")
    confirmation: Confirmation | None
    patch: str = Field(description="Unified diff of the config file that applies the selected setting ('' if none).")
    notes: list[str]

    @property
    def winner(self) -> SettingOutcome | None:
        return next((s for s in self.settings if s.id == self.selected), None)
