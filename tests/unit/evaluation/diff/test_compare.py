"""Pairing, gates and renderers of the diff, on realistic synthetic runs."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import jsonschema
import pytest

from ragops.config.gate import GatePolicy, GateRule
from ragops.config.testset import QuestionRecord
from ragops.evaluation.diff import diff_json, diff_text, pr_comment
from ragops.evaluation.diff.compare import compare
from ragops.evaluation.diff.model import DiffResult
from tests.conftest import REPO_ROOT
from tests.support.runs import Run, app_config, contents, degrade, make_run

GATE: list[dict[str, Any]] = [
    {"metric": "hit_rate@5", "min": 0.3, "max_regression": 0.02},
    {"metric": "f1", "max_regression": 0.02},
]


def _diff(base: Run, head_predictions: Any = None, gate: Any = GATE, **kwargs: Any) -> DiffResult:
    head_testsets = kwargs.pop("head_testsets", base.testsets)
    b = contents(base.predictions, base.testsets, app_config(gate))
    h = contents(head_predictions or base.predictions, head_testsets, app_config(gate, **kwargs), commit="b" * 40)
    return compare(b, h)


def _metric(result: DiffResult, name: str) -> Any:
    return next(m for m in result.metrics if m.name == name)


def test_identical_runs_show_zero_deltas_and_pass(base_run: Run) -> None:
    result = _diff(base_run)
    assert result.verdict == "pass"
    assert all(m.delta == 0.0 and m.ci_low == 0.0 and m.ci_high == 0.0 and m.p_value == 1.0 for m in result.metrics)
    assert result.questions.paired == 75 and not result.question_changes and not result.config_changes


def test_a_real_regression_fails_with_a_ci_excluding_zero(base_run: Run) -> None:
    result = _diff(base_run, degrade(base_run), top_k=3)
    hit = _metric(result, "hit_rate@5")
    assert hit.delta < 0 and hit.ci_high < 0 and hit.significant and hit.change == "worse"
    assert result.verdict == "fail"
    assert {g.metric for g in result.failing} == {"hit_rate@5", "f1"}
    assert [c.key for c in result.config_changes] == ["spec.retrieval.top_k"]
    assert result.question_changes[0].status == "newly_failing"
    # Worst first: the first rows lost both retrieval and answer.
    assert len(result.question_changes[0].criteria) == 2


def _with_new_hard_questions(run: Run, count: int) -> tuple[list[Any], dict[str, list[QuestionRecord]]]:
    predictions = list(run.predictions)
    testsets = {name: list(records) for name, records in run.testsets.items()}
    template = run.predictions[0]
    for i in range(count):
        qid = f"alpha-hard-{i:02d}"
        testsets["alpha"].append(
            QuestionRecord(id=qid, question=f"Hard {i}?", answers=["unfindable"], gold_doc_ids=["doc-99"])
        )
        predictions.append(template.model_copy(update={"id": qid, "question": f"Hard {i}?", "answer": "nope"}))
    return predictions, testsets


def test_added_hard_questions_are_kept_apart_and_leave_paired_deltas_unchanged(base_run: Run) -> None:
    predictions, testsets = _with_new_hard_questions(base_run, 10)
    result = _diff(base_run, predictions, head_testsets=testsets)
    assert result.questions.added == 10 and result.questions.paired == 75
    assert all(m.delta == 0.0 for m in result.metrics)
    assert result.verdict == "pass"
    assert {e.id for e in result.question_set if e.kind == "added"} == {f"alpha-hard-{i:02d}" for i in range(10)}
    # The head's whole-run value does drop: that is what min/max thresholds see.
    assert _metric(result, "hit_rate@5").head_all < _metric(result, "hit_rate@5").head


def test_edited_and_removed_questions_are_not_paired(base_run: Run) -> None:
    testsets = {name: list(records) for name, records in base_run.testsets.items()}
    edited = testsets["alpha"][0].model_copy(update={"answers": ["a different answer"]})
    testsets["alpha"][0] = edited
    removed = testsets["beta"].pop()
    predictions = [p for p in base_run.predictions if p.key != ("beta", removed.id)]
    result = _diff(base_run, predictions, head_testsets=testsets)
    kinds = {(e.kind, e.id) for e in result.question_set}
    assert kinds == {("edited", edited.id), ("removed", removed.id)}
    assert result.questions.paired == 73


def _gate(rule: dict[str, Any], base_run: Run, head: Any) -> Any:
    result = _diff(base_run, head, gate=[rule])
    return result.gates[0], result


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        ({"metric": "hit_rate@5", "min": 0.99}, "fail"),
        ({"metric": "hit_rate@5", "max": 0.1}, "fail"),
        ({"metric": "hit_rate@5", "min": 0.1, "max": 0.99}, "pass"),
        ({"metric": "hit_rate@5", "max_regression": 0.5}, "pass"),
        ({"metric": "hit_rate@5", "max_regression": 0.05}, "fail"),
        ({"metric": "hit_rate@5", "max_relative_regression": 0.1}, "fail"),
        ({"metric": "hit_rate@5", "max_relative_regression": 0.9}, "pass"),
        ({"metric": "hit_rate@5", "max_regression": 0.05, "advisory": True}, "warn"),
        ({"metric": "latency_p95_ms", "max_relative_regression": 0.1}, "pass"),
    ],
)
def test_each_rule_kind(rule: dict[str, Any], status: str, base_run: Run) -> None:
    outcome, result = _gate(rule, base_run, degrade(base_run))
    assert outcome.status == status, outcome.reason
    assert (result.verdict == "fail") == (status == "fail")


def test_significant_fails_only_when_the_ci_excludes_zero(base_run: Run) -> None:
    rule = {"metric": "f1", "max_regression": 0.001, "significant": True}
    # A small regression (two questions of 75) is beyond the limit but not significant.
    scored = contents(base_run.predictions, base_run.testsets, app_config()).predictions
    right = [p.key for p in scored if p.metrics["f1"] == 1.0][:2]
    small = [p.model_copy(update={"answer": "no idea"}) if p.key in right else p for p in base_run.predictions]
    outcome, _ = _gate(rule, base_run, small)
    assert outcome.status == "pass" and "not significant" in outcome.reason
    outcome, _ = _gate(rule, base_run, degrade(base_run))
    assert outcome.status == "fail" and "significant" in outcome.reason


def test_judge_and_timing_rules_are_advisory_unless_the_rule_says_otherwise(base_run: Run) -> None:
    slower = [
        p.model_copy(update={"latency_ms": p.latency_ms.model_copy(update={"generate": p.latency_ms.generate * 3})})
        for p in base_run.predictions
    ]
    outcome, result = _gate({"metric": "latency_p95_ms", "max_relative_regression": 0.1}, base_run, slower)
    assert (outcome.status, outcome.blocking, result.verdict) == ("warn", False, "pass")
    rule = {"metric": "latency_p95_ms", "max_relative_regression": 0.1, "advisory": False}
    outcome, result = _gate(rule, base_run, slower)
    assert (outcome.status, outcome.blocking, result.verdict) == ("fail", True, "fail")


def test_a_rule_on_an_unreported_metric_fails_but_a_default_one_is_skipped(base_run: Run) -> None:
    _, result = _gate({"metric": "hit_rate@7", "min": 0.1}, base_run, None)
    assert result.gates[0].status == "missing" and result.verdict == "fail"
    b = contents(base_run.predictions, base_run.testsets, app_config(GATE))
    defaults = GatePolicy(rules=[GateRule(metric="hit_rate@7", min=0.1), GateRule(metric="f1", min=0.99)])
    result = compare(b, b, defaults=defaults)
    by_metric = {g.metric: g for g in result.gates}
    assert by_metric["hit_rate@7"].status == "missing" and not by_metric["hit_rate@7"].blocking
    assert by_metric["f1"].origin == "app" and by_metric["f1"].status == "pass"  # the app's rule replaced it
    assert result.verdict == "pass"


def test_new_app_is_checked_on_thresholds_only(base_run: Run) -> None:
    head = contents(base_run.predictions, base_run.testsets, app_config(GATE))
    result = compare(None, head)
    assert result.new_app and result.base is None and result.verdict == "pass"
    assert all(m.delta is None for m in result.metrics)
    assert "no base run" in result.gates[1].reason
    text = pr_comment.render(result)
    assert "new app" in text


def test_renderings_are_byte_identical_for_the_same_runs_and_json_follows_its_schema(base_run: Run) -> None:
    first = _diff(base_run, degrade(base_run), top_k=3)
    second = _diff(make_run(), degrade(make_run()), top_k=3)
    for render in (pr_comment.render, diff_text.render, diff_json.render):
        assert render(first) == render(second)
    schema = json.loads((REPO_ROOT / "schemas" / "diff-result.v1.json").read_text(encoding="utf-8"))
    jsonschema.validate(json.loads(diff_json.render(first)), schema)


def test_markdown_puts_the_verdict_first_and_gated_metrics_before_the_details(base_run: Run) -> None:
    text = pr_comment.render(_diff(base_run, degrade(base_run), top_k=3))
    first = text.splitlines()[0]
    assert first.startswith("### ❌ **sample: FAIL**") and "`hit_rate@5`" in first
    assert text.index("| `hit_rate@5` |") < text.index("<details>")
    assert "▼ −0." in text and "95% CI" in text
    assert "`spec.retrieval.top_k` | `5` | `3`" in text


def test_long_sections_are_cut_with_a_note_to_fit(base_run: Run) -> None:
    result = _diff(base_run, degrade(base_run, every=1), top_k=3)
    full = pr_comment.render(result)
    cut = pr_comment.render(result, max_chars=6000)
    assert len(cut) <= 6000 < len(full)
    assert "more questions not shown" in cut and "--format json" in cut
    assert cut.splitlines()[0] == full.splitlines()[0]  # the verdict is never cut


def test_the_code_and_package_versions_that_evaluated_are_shown_when_they_differ(base_run: Run) -> None:
    def with_software(run: Any, code: str | None, versions: dict[str, str]) -> Any:
        meta = run.report.metadata.model_copy(update={"code_fingerprint": code, "package_versions": versions})
        return dataclasses.replace(run, report=run.report.model_copy(update={"metadata": meta}))

    b = contents(base_run.predictions, base_run.testsets, app_config(GATE))
    h = contents(base_run.predictions, base_run.testsets, app_config(GATE), commit="b" * 40)
    same = compare(with_software(b, "1111aaaa", {"torch": "2.13.0"}), with_software(h, "1111aaaa", {"torch": "2.13.0"}))
    assert same.software_changes == []
    assert "software" not in pr_comment.render(same)
    result = compare(
        with_software(b, "1111aaaa", {"torch": "2.13.0", "kfp": "2.17.0"}),
        with_software(h, "2222bbbb", {"torch": "2.14.1", "kfp": "2.17.0", "faiss-cpu": "1.9"}),
    )
    assert [(c.key, c.base, c.head) for c in result.software_changes] == [
        ("ragops code", "1111aaaa", "2222bbbb"),
        ("package faiss-cpu", None, "1.9"),
        ("package torch", "2.13.0", "2.14.1"),
    ]
    assert "software: ragops code `1111aaaa` → `2222bbbb`, faiss-cpu (absent) → 1.9, torch 2.13.0 → 2.14.1" in (
        pr_comment.render(result)
    )
    assert "  package torch: 2.13.0 → 2.14.1" in diff_text.render(result)
    # A run that does not know its code shows no code change (nothing to compare), only what it knows.
    unknown = compare(with_software(b, None, {"torch": "2.13.0"}), with_software(h, "2222bbbb", {"torch": "2.13.0"}))
    assert unknown.software_changes == []


def _slower(run: Run, factor: float) -> list[Any]:
    return [
        p.model_copy(
            update={"latency_ms": p.latency_ms.model_copy(update={"retrieve": p.latency_ms.retrieve * factor})}
        )
        for p in run.predictions
    ]


def test_timings_measured_under_other_conditions_are_shown_as_not_comparable_and_never_warn(base_run: Run) -> None:
    # The case: the head embedded its questions, the base read them from the cache (or ran elsewhere).
    gate = [*GATE, {"metric": "latency_p95_ms", "max_relative_regression": 0.5}]
    b = contents(base_run.predictions, base_run.testsets, app_config(gate), timing_conditions="v1; CPU A × 2")
    h = contents(
        _slower(base_run, 80), base_run.testsets, app_config(gate), "b" * 40, timing_conditions="v1; CPU B × 4"
    )
    result = compare(b, h)
    latency = next(t for t in result.timings if t.name == "latency_p95_ms")
    tokens = next(t for t in result.timings if t.name == "prompt_tokens_total")
    assert not latency.comparable and latency.delta is None and latency.relative is None
    assert tokens.comparable and tokens.delta == 0.0  # counts compare whatever the machine
    outcome = next(g for g in result.gates if g.metric == "latency_p95_ms")
    assert outcome.status == "pass", outcome.reason
    assert "not checked: not comparable, measured under other conditions" in outcome.reason
    assert any("latency and throughput are not compared" in note for note in result.notes)
    body = pr_comment.render(result)
    assert "| `latency_p95_ms` |" in body and "not comparable" in body and "⚠️" not in body


def test_a_run_without_timing_conditions_is_not_comparable(base_run: Run) -> None:
    b = contents(base_run.predictions, base_run.testsets, app_config())
    old = b.report.model_copy(update={"metadata": b.report.metadata.model_copy(update={"timing_conditions": None})})
    h = contents(_slower(base_run, 3), base_run.testsets, app_config(), "b" * 40)
    result = compare(dataclasses.replace(b, report=old), h)
    assert not next(t for t in result.timings if t.name == "latency_p50_ms").comparable
    assert any("the base run does not record how it measured time" in note for note in result.notes)


def test_relative_regressions_are_written_as_readable_percentages(base_run: Run) -> None:
    rule = {"metric": "latency_p95_ms", "max_relative_regression": 0.5}
    outcome, _ = _gate(rule, base_run, _slower(base_run, 20))
    assert outcome.status == "warn" and re.search(r"regression \d+% of base beyond max 50%", outcome.reason)
    outcome, _ = _gate(rule, base_run, _slower(base_run, 5000))
    assert re.search(r"regression \d+× of base beyond max 50%", outcome.reason), outcome.reason
    outcome, _ = _gate(rule, base_run, _slower(base_run, 0.5))
    assert outcome.status == "pass" and re.search(
        r"no regression \(\d+(\.\d)?% better\) within max 50%", outcome.reason
    )


def test_a_question_limit_is_said_in_the_notes(base_run: Run) -> None:
    config = app_config()
    limited = config.model_copy(
        update={
            "spec": config.spec.model_copy(
                update={"evaluation": config.spec.evaluation.model_copy(update={"max_questions": 40})}
            )
        }
    )
    b = contents(base_run.predictions, base_run.testsets, limited)
    result = compare(b, contents(base_run.predictions, base_run.testsets, limited, "b" * 40))
    assert "evaluated on the first 40 question(s) of each test set only (spec.evaluation.max_questions)" in result.notes
