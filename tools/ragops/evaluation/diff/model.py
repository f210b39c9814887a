"""``DiffResult``: the typed outcome of comparing a base and a head evaluation of one app.

Everything the renderers show and the gate verdict rests on, and nothing that varies between two diffs of the
same two runs (no clock, no absolute paths of temporary folders): the JSON form is byte-identical for the same
inputs. Its schema is ``schemas/diff-result.v1.json``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ragops.evaluation.gates import GateOutcome
from ragops.evaluation.metrics import Direction, Kind, Role

SCHEMA_VERSION: Literal[1] = 1
Verdict = Literal["pass", "fail"]
Change = Literal["better", "worse", "same"]
Standing = Literal["gated", "advisory", "exploratory"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunInfo(_Frozen):
    """Which evaluation a side of the diff is."""

    commit: str | None
    dirty: bool | None
    config_hash: str
    run_id: str | None
    code: str | None = Field(None, description="Fingerprint of the ragops code that evaluated; null when unknown.")
    questions: int = Field(ge=0)
    ref: str | None = Field(None, description="The git ref the run was made from, when the diff was asked by ref.")


class QuestionCounts(_Frozen):
    paired: int = Field(ge=0, description="Questions present and unchanged in both runs: the deltas are over these.")
    added: int = Field(ge=0)
    removed: int = Field(ge=0)
    edited: int = Field(ge=0, description="Same id, but question, answers or gold evidence differ.")


class MetricDelta(_Frozen):
    """One metric over the paired questions. ``base``/``delta``/CI are null for a new app (nothing to pair)."""

    name: str
    kind: Kind
    direction: Direction
    role: Role
    standing: Standing = Field(
        description="gated: a blocking rule names it; advisory: a non-blocking rule does; "
        "exploratory: no rule names it."
    )
    n: int = Field(ge=0, description="Paired questions the metric is defined for in both runs.")
    base: float | None
    head: float | None
    head_all: float | None = Field(
        description="Head value over all its questions (paired and added): what min/max thresholds apply to."
    )
    delta: float | None
    ci_low: float | None = Field(description="95% paired-bootstrap interval of the delta, lower bound.")
    ci_high: float | None
    p_value: float | None = Field(description="Two-sided paired sign-flip permutation p-value.")
    p_exact: bool | None = Field(description="The p-value enumerated every sign pattern (few non-zero deltas).")
    change: Change = Field(description="Direction of the change for this metric's 'better', or same when delta is 0.")
    significant: bool = Field(description="The confidence interval excludes zero.")


class QuestionDelta(_Frozen):
    """A paired question whose pass/fail changed on a retrieval or an answer criterion."""

    testset: str
    id: str
    question: str
    status: Literal["newly_failing", "newly_fixed"]
    criteria: list[str] = Field(description="What changed, e.g. 'hit_rate@5 1 → 0', 'f1 0.80 → 0.20'.")
    score: float = Field(description="Sum of the changes of the criteria metrics, head − base (negative: worse).")
    base_answer: str
    head_answer: str
    gold_answers: list[str]
    gold_doc_ids: list[str]
    base_top_docs: list[str]
    head_top_docs: list[str]


class QuestionSetEntry(_Frozen):
    testset: str
    id: str
    kind: Literal["added", "removed", "edited"]
    question: str


class ConfigKeyChange(_Frozen):
    key: str = Field(description="Dotted path in the normalised config, e.g. spec.retrieval.top_k.")
    base: str | None = Field(description="JSON of the old value; null when the key is new.")
    head: str | None = Field(description="JSON of the new value; null when the key is gone.")


class DocumentEntry(_Frozen):
    corpus: str
    doc_id: str
    kind: Literal["added", "removed", "modified"]


class DataChanges(_Frozen):
    """Documents and test-set questions changed between the two refs (from git and DVC), when the diff knows the
    refs; otherwise only what the two runs' copies of the test sets show."""

    known: bool = Field(description="The refs were known, so documents could be compared.")
    documents: list[DocumentEntry]
    corpus_changed: bool
    notes: list[str]


class TimingDelta(_Frozen):
    name: str
    direction: Direction
    base: float | None
    head: float | None
    delta: float | None
    relative: float | None = Field(description="delta / base, when base is not zero.")
    comparable: bool = Field(
        True,
        description="False: a clock timing (latency, throughput) the two runs measured under other conditions "
        "(timing method, machine): shown without a delta, never gated; the diff's notes say why.",
    )


class Links(_Frozen):
    report: str | None = None
    workflow_run: str | None = None


class DiffResult(_Frozen):
    """``ragops diff --format json``: one app, base against head."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="DiffResult")

    schema_version: Literal[1] = SCHEMA_VERSION
    app: str
    verdict: Verdict
    new_app: bool = Field(description="The app does not exist at the base: head values only, min/max gates only.")
    base: RunInfo | None
    head: RunInfo
    questions: QuestionCounts
    metrics: list[MetricDelta]
    gates: list[GateOutcome]
    question_changes: list[QuestionDelta]
    question_set: list[QuestionSetEntry] = Field(description="Questions added, removed or edited: not in the deltas.")
    config_changes: list[ConfigKeyChange]
    software_changes: list[ConfigKeyChange] = Field(
        default_factory=list,
        description="What evaluated, where it differs: key 'ragops code' (code fingerprints) or 'package NAME' "
        "(installed versions).",
    )
    data: DataChanges
    timings: list[TimingDelta] = Field(description="Latency, tokens, throughput: advisory, never gate by default.")
    notes: list[str]
    links: Links

    @property
    def failing(self) -> list[GateOutcome]:
        return [g for g in self.gates if g.blocking and g.status in ("fail", "missing")]
