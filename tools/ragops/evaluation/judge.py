"""LLM-as-judge metrics: ``judge_faithfulness`` and ``judge_answer_relevance``, when the app configures a judge.

A judge is an OpenAI-compatible chat model (``spec.evaluation.judge``) asked, per question, for one score on a
1–5 scale with a pinned, versioned prompt (:data:`PROMPTS`). The score is mapped to 0–1 as ``(s - 1) / 4``. A
1–5 scale rather than a 0–1 float because small judge models follow "reply with one digit" far more reliably
than they produce calibrated decimals. A reply with no score in 1–5 leaves the metric undefined for that
question (``counts.scored`` shows how many were judged), never 0: a confused judge is not a bad answer.

Every judgement is cached on disk, one JSON file per request, keyed by the sha256 of everything that determines
the reply (model, endpoint, temperature, token limit, prompt version and the rendered messages, which include
the question, answer and context). Re-scoring the same run therefore makes no HTTP call, works offline and gives
the same values; the client is only created on a cache miss. Replies are cached raw and parsed on read.

:func:`judge_metrics` judges a run's predictions up front and returns registry entries
(:class:`~ragops.evaluation.metrics.QuestionMetric`, kind ``judge``) that read those judgements, to be passed to
:func:`ragops.evaluation.report.score` beside :data:`~ragops.evaluation.metrics.METRICS`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import openai
from openai.types.chat import ChatCompletionMessageParam

from ragops.config.models import JudgeSpec
from ragops.config.testset import QuestionRecord
from ragops.errors import InfrastructureError
from ragops.evaluation.metrics import MetricInfo, QuestionMetric, Role
from ragops.evaluation.predictions import Prediction
from ragops.files import write_atomic
from ragops.rag.openai_client import describe_failure, endpoint_url, make_client

FAITHFULNESS = "judge_faithfulness"
ANSWER_RELEVANCE = "judge_answer_relevance"


@dataclass(frozen=True)
class JudgePrompt:
    """One pinned prompt: the instructions (system message) and the ``str.format`` template of the inputs."""

    system: str
    template: str


@dataclass(frozen=True)
class PromptSet:
    """A released prompt version. Never edit one: add a new version, so pinned configs keep their judgements."""

    prompts: dict[str, JudgePrompt]
    # A score is one digit; a small limit keeps a chatty judge from spending seconds on an explanation.
    max_tokens: int


_SCALE = "Reply with a single digit from 1 to 5 and nothing else."

PROMPTS: dict[str, PromptSet] = {
    "v1": PromptSet(
        prompts={
            FAITHFULNESS: JudgePrompt(
                system=(
                    "You grade a question-answering system. Judge whether the ANSWER is supported by the CONTEXT. "
                    "5: every claim in the answer is stated in or follows from the context. 3: partly supported. "
                    f"1: not supported by or contradicting the context. {_SCALE}"
                ),
                template="CONTEXT:\n{context}\n\nQUESTION:\n{question}\n\nANSWER:\n{answer}\n\nScore (1-5):",
            ),
            ANSWER_RELEVANCE: JudgePrompt(
                system=(
                    "You grade a question-answering system. Judge whether the ANSWER addresses the QUESTION, "
                    "whether or not it is correct. 5: it directly and completely answers the question. "
                    f"3: it partly addresses it. 1: it is off-topic, empty or a refusal. {_SCALE}"
                ),
                template="QUESTION:\n{question}\n\nANSWER:\n{answer}\n\nScore (1-5):",
            ),
        },
        max_tokens=8,
    ),
}

_DESCRIPTIONS = {
    FAITHFULNESS: "LLM judge: the answer is supported by the retrieved context (1-5 scaled to 0-1)",
    ANSWER_RELEVANCE: "LLM judge: the answer addresses the question (1-5 scaled to 0-1)",
}

# A score opening the reply ("4", "**4**", "4/5", "4. The answer…"), else one introduced as such ("Score: 4").
_LEADING = re.compile(r"^[\s*\"'(\[]*(\d+(?:\.\d+)?)")
_LABELLED = re.compile(r"\b(?:score|rating)\b\W{0,3}(?:is\s+|of\s+)?(\d+(?:\.\d+)?)", re.IGNORECASE)

Messages = list[ChatCompletionMessageParam]


def render(version: str, metric: str, prediction: Prediction) -> Messages:
    """The chat messages asking the judge for ``metric`` on one prediction."""
    prompt = PROMPTS[version].prompts[metric]
    user = prompt.template.format(context=prediction.context, question=prediction.question, answer=prediction.answer)
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": user}]


def parse_score(reply: str) -> float | None:
    """The judge's 1–5 score mapped to 0–1, or None when the reply holds no score in that range."""
    found = _LEADING.match(reply) or _LABELLED.search(reply)
    if found is None:
        return None
    value = float(found.group(1))
    return (value - 1.0) / 4.0 if 1.0 <= value <= 5.0 else None


def applies(metric: str, prediction: Prediction) -> bool:
    """Whether a judgement means anything: an empty answer has nothing to grade, and faithfulness needs the
    context the answer was generated from. These questions are left unscored without a call."""
    if not prediction.answer.strip():
        return False
    return metric != FAITHFULNESS or bool(prediction.context.strip())


def request_key(spec: JudgeSpec, metric: str, messages: Messages) -> str:
    """sha256 of everything that determines the judge's reply to one of its own prompts (:data:`PROMPTS`)."""
    return chat_key(spec, metric, spec.prompt_version, PROMPTS[spec.prompt_version].max_tokens, messages)


def chat_key(spec: JudgeSpec, task: str, prompt_version: str, max_tokens: int, messages: Messages) -> str:
    """sha256 of everything that determines a reply of the judge model: the model and how it is called, the
    task and the version of its prompts (other evaluators, such as FActScore, pin their own), and the messages."""
    request = {
        "model": spec.model,
        "base_url": spec.base_url,
        "temperature": spec.temperature,
        "max_tokens": max_tokens,
        "prompt_version": prompt_version,
        "metric": task,
        "messages": messages,
    }
    return hashlib.sha256(json.dumps(request, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


class JudgementCache:
    """Raw judge replies, one JSON file per request key under ``<folder>/<key[:2]>/<key>.json``.

    Files are written to a temporary name and renamed into place, so a crash or a concurrent scorer never leaves
    a half-written entry; an unreadable entry counts as missing and is asked again and overwritten.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        reply = entry.get("reply") if isinstance(entry, dict) else None
        return reply if isinstance(reply, str) else None

    def put(self, key: str, reply: str, spec: JudgeSpec, metric: str, prompt_version: str | None = None) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The identity fields are for a human opening the file; lookups go by key alone.
        version = prompt_version or spec.prompt_version
        entry = {"model": spec.model, "base_url": spec.base_url, "prompt_version": version}
        entry |= {"metric": metric, "reply": reply}
        text = json.dumps(entry, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        write_atomic(path, text)


class Judge:
    """Asks the configured judge, through the cache; the HTTP client is only created on the first miss.

    ``requests`` and ``cache_hits`` count what :meth:`reply` did, for progress and benchmarks.
    """

    def __init__(self, spec: JudgeSpec, cache_dir: Path) -> None:
        self.spec = spec
        self.cache = JudgementCache(cache_dir)
        self._client: openai.OpenAI | None = None
        self.requests = 0
        self.cache_hits = 0

    def score(self, metric: str, prediction: Prediction) -> float | None:
        if not applies(metric, prediction):
            return None
        version = self.spec.prompt_version
        messages = render(version, metric, prediction)
        return parse_score(self.reply(metric, version, PROMPTS[version].max_tokens, messages))

    def reply(self, task: str, prompt_version: str, max_tokens: int, messages: Messages) -> str:
        """The judge model's raw reply to ``messages``: from the cache, else asked and cached."""
        key = chat_key(self.spec, task, prompt_version, max_tokens, messages)
        self.requests += 1
        reply = self.cache.get(key)
        if reply is None:
            reply = self._ask(messages, max_tokens)
            self.cache.put(key, reply, self.spec, task, prompt_version)
        else:
            self.cache_hits += 1
        return reply

    def _ask(self, messages: Messages, max_tokens: int) -> str:
        spec = self.spec
        url = endpoint_url(spec.base_url, spec.base_url_env)
        try:
            if self._client is None:
                self._client = make_client(url, spec.api_key_env, spec.timeout_s, spec.max_retries)
            response = self._client.chat.completions.create(
                model=spec.model,
                messages=messages,
                temperature=spec.temperature,
                max_tokens=max_tokens,
            )
        except openai.OpenAIError as exc:
            failure = describe_failure(exc, url, spec.model)
            raise InfrastructureError(f"evaluation judge: {failure.message}") from exc
        return (response.choices[0].message.content or "") if response.choices else ""


Judgements = dict[tuple[str, str], dict[str, float | None]]


def judge_run(judge: Judge, predictions: Sequence[Prediction]) -> Judgements:
    """Every judge metric for every prediction, keyed like :func:`ragops.evaluation.predictions.by_key`."""
    metrics = PROMPTS[judge.spec.prompt_version].prompts
    return {(p.testset, p.id): {metric: judge.score(metric, p) for metric in metrics} for p in predictions}


def judge_metrics(spec: JudgeSpec, predictions: Sequence[Prediction], cache_dir: Path) -> tuple[QuestionMetric, ...]:
    """Judge ``predictions`` (asking only for what the cache lacks) and return registry entries reading the
    judgements. Their role is advisory unless the config sets ``advisory: false``."""
    judgements = judge_run(Judge(spec, cache_dir), predictions)
    role: Role = "advisory" if spec.advisory else "gate"

    def entry(metric: str) -> QuestionMetric:
        def compute(prediction: Prediction, _record: QuestionRecord) -> float | None:
            return judgements[(prediction.testset, prediction.id)][metric]

        info = MetricInfo(direction="higher", role=role, kind="judge", ranked=False, description=_DESCRIPTIONS[metric])
        return QuestionMetric(metric, info, compute)

    return tuple(entry(metric) for metric in PROMPTS[spec.prompt_version].prompts)
