"""LLM-as-judge metrics without a model: prompt rendering, reply parsing, the cache, and how judge metrics enter
a report. Where an endpoint is needed it is a loopback port nobody listens on, so any HTTP call fails loudly."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from ragops.config.models import EvaluationSpec, JudgePromptVersion, JudgeSpec
from ragops.errors import InfrastructureError
from ragops.evaluation import judge
from ragops.evaluation.metrics import METRICS
from ragops.evaluation.predictions import Latency, Prediction
from ragops.evaluation.scoring import score
from tests.conftest import free_loopback_port
from tests.support.runs import Run

NAMES = (judge.FAITHFULNESS, judge.ANSWER_RELEVANCE)


def _closed_port_url() -> str:
    return f"http://127.0.0.1:{free_loopback_port()}/v1"


def _spec(**changes: object) -> JudgeSpec:
    fields: dict[str, object] = {"model": "judge-model", "base_url": _closed_port_url(), "prompt_version": "v1"}
    return JudgeSpec.model_validate({**fields, "max_retries": 0, "timeout_s": 5, **changes})


def _prediction(answer: str = "Paris {not a placeholder}", context: str = "Paris is the capital.") -> Prediction:
    return Prediction(
        id="q1",
        testset="t",
        question="What is the capital of France?",
        answer=answer,
        retrieved_doc_ids=[],
        context=context,
        latency_ms=Latency(retrieve=1.0, generate=1.0),
    )


def _fill(cache: Path, spec: JudgeSpec, predictions: list[Prediction], reply: str) -> int:
    """Store ``reply`` as the judgement of every applicable request; returns how many judgements that covers."""
    stored = judge.JudgementCache(cache)
    count = 0
    for prediction in predictions:
        for metric in NAMES:
            if judge.applies(metric, prediction):
                messages = judge.render(spec.prompt_version, metric, prediction)
                stored.put(judge.request_key(spec, metric, messages), reply, spec, metric)
                count += 1
    return count


def test_every_configurable_prompt_version_is_built_in_with_both_metrics() -> None:
    assert set(judge.PROMPTS) == set(get_args(JudgePromptVersion))
    for prompts in judge.PROMPTS.values():
        assert set(prompts.prompts) == set(NAMES)


def test_prompts_carry_the_inputs_verbatim() -> None:
    prediction = _prediction()
    system, user = judge.render("v1", judge.FAITHFULNESS, prediction)
    assert system["role"] == "system" and "1 to 5" in str(system["content"])
    content = str(user["content"])
    for text in (prediction.question, prediction.answer, prediction.context):
        assert text in content
    relevance = str(judge.render("v1", judge.ANSWER_RELEVANCE, prediction)[1]["content"])
    assert prediction.question in relevance and prediction.answer in relevance
    assert prediction.context not in relevance


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("5", 1.0),
        ("1", 0.0),
        ("4", 0.75),
        (" **3**", 0.5),
        ("4/5", 0.75),
        ("2. The answer is only partly supported.", 0.25),
        ("4.5", 0.875),
        ("Score: 2", 0.25),
        ("The rating is 5 because it matches.", 1.0),
        ("0", None),
        ("6", None),
        ("10", None),
        ("0.8", None),
        ("The answer is supported by the context.", None),
        ("", None),
    ],
)
def test_replies_are_parsed_on_a_one_to_five_scale(reply: str, expected: float | None) -> None:
    assert judge.parse_score(reply) == expected


def test_the_request_key_covers_model_endpoint_prompt_and_inputs() -> None:
    spec = _spec(base_url="http://127.0.0.1:1/v1")
    messages = judge.render("v1", judge.FAITHFULNESS, _prediction())
    key = judge.request_key(spec, judge.FAITHFULNESS, messages)
    assert key == judge.request_key(spec, judge.FAITHFULNESS, judge.render("v1", judge.FAITHFULNESS, _prediction()))
    other_inputs = judge.render("v1", judge.FAITHFULNESS, _prediction(answer="Lyon"))
    variants = {
        judge.request_key(spec.model_copy(update={"model": "other"}), judge.FAITHFULNESS, messages),
        judge.request_key(spec.model_copy(update={"base_url": "http://127.0.0.1:2/v1"}), judge.FAITHFULNESS, messages),
        judge.request_key(spec.model_copy(update={"temperature": 0.5}), judge.FAITHFULNESS, messages),
        judge.request_key(spec, judge.ANSWER_RELEVANCE, messages),
        judge.request_key(spec, judge.FAITHFULNESS, other_inputs),
    }
    assert key not in variants and len(variants) == 5


def test_a_cached_run_makes_no_request(run: Run, tmp_path: Path) -> None:
    spec = _spec()  # nothing listens there: a single request would raise
    judged = _fill(tmp_path, spec, run.predictions, "4")
    entries = judge.judge_metrics(spec, run.predictions, tmp_path)
    scoring = score(run.predictions, run.testsets, [1], metrics=(*METRICS, *entries))
    # Empty answers are not judged; every other question is, from the cache.
    assert sum(scoring.counts.scored[name] for name in NAMES) == judged
    assert not list(tmp_path.rglob("tmp*")), "writes leave no temporary files behind"
    for name in NAMES:
        assert scoring.metrics[name] == 0.75
        info = scoring.metric_info[name]
        assert (info.kind, info.role, info.direction, info.ranked) == ("judge", "advisory", "higher", False)
    answered = next(p for p in scoring.predictions if p.answer)
    assert answered.metrics[judge.FAITHFULNESS] == 0.75


def test_identical_requests_share_one_cache_entry(tmp_path: Path) -> None:
    spec = _spec()
    twins = [_prediction(), _prediction().model_copy(update={"id": "q2"})]
    assert _fill(tmp_path, spec, twins, "5") == 4
    assert len(list(tmp_path.rglob("*.json"))) == 2


def test_unparseable_judgements_are_unscored_not_zero(run: Run, tmp_path: Path) -> None:
    spec = _spec()
    _fill(tmp_path, spec, run.predictions, "I cannot grade this.")
    entries = judge.judge_metrics(spec, run.predictions, tmp_path)
    scoring = score(run.predictions, run.testsets, [1], metrics=(*METRICS, *entries))
    # Still reported, so a judge that never gives a usable score is visible rather than silently absent.
    assert not set(NAMES) & set(scoring.metrics)
    assert {name: scoring.counts.scored[name] for name in NAMES} == dict.fromkeys(NAMES, 0)
    assert {scoring.metric_info[name].kind for name in NAMES} == {"judge"}


def test_the_config_can_make_judge_metrics_gating(run: Run, tmp_path: Path) -> None:
    spec = _spec(advisory=False)
    _fill(tmp_path, spec, run.predictions, "5")
    entries = judge.judge_metrics(spec, run.predictions, tmp_path)
    assert {entry.info.role for entry in entries} == {"gate"}


def test_an_unreachable_judge_is_an_infrastructure_error_naming_the_url(tmp_path: Path) -> None:
    spec = _spec()
    with pytest.raises(InfrastructureError) as raised:
        judge.judge_metrics(spec, [_prediction()], tmp_path)
    assert spec.base_url is not None and spec.base_url in raised.value.message
    assert "judge" in raised.value.message
    assert not list(tmp_path.rglob("*.json")), "a failed request must not be cached"


def test_a_corrupt_cache_entry_is_asked_again(tmp_path: Path) -> None:
    spec = _spec()
    prediction = _prediction()
    _fill(tmp_path, spec, [prediction], "5")
    messages = judge.render("v1", judge.FAITHFULNESS, prediction)
    entry = tmp_path.rglob(f"{judge.request_key(spec, judge.FAITHFULNESS, messages)}.json")
    next(entry).write_text('{"reply": ', encoding="utf-8")  # as a crash mid-write without the rename would
    with pytest.raises(InfrastructureError):
        judge.judge_metrics(spec, [prediction], tmp_path)


def test_empty_answers_and_missing_context_are_not_sent_to_the_judge(tmp_path: Path) -> None:
    cases = [_prediction(answer="  "), _prediction(context="")]
    judged = judge.judge_run(judge.Judge(_spec(), tmp_path), [cases[0]])
    assert judged[("t", "q1")] == {judge.FAITHFULNESS: None, judge.ANSWER_RELEVANCE: None}
    assert not judge.applies(judge.FAITHFULNESS, cases[1])
    assert judge.applies(judge.ANSWER_RELEVANCE, cases[1])


def test_the_judge_is_optional_and_must_be_pinned() -> None:
    assert EvaluationSpec().judge is None
    with pytest.raises(ValidationError):
        JudgeSpec.model_validate({"model": "m"})  # no prompt version
    with pytest.raises(ValidationError):
        JudgeSpec.model_validate({"model": "m", "prompt_version": "v0"})
    with pytest.raises(ValidationError):
        JudgeSpec.model_validate({"prompt_version": "v1"})  # no model
    assert JudgeSpec.model_validate({"model": "m", "prompt_version": "v1"}).advisory
