"""The LLM condense step (``condense: llm``, the default with an OpenAI-compatible LLM).

The app's own LLM is asked, with ``spec.conversation.condense_prompt`` (``{history}``: the last
``n_last_interactions`` turns as "User:" / "Assistant:" lines; ``{question}``; ``{lang}``), to rewrite the
follow-up as a standalone question, at temperature 0 so the same history gives the same question. Its first
non-empty line is the standalone question; an empty reply, or Kotaemon's "1"/"0" conventions (standalone
already / no search needed), keep the question as asked.
"""

from __future__ import annotations

from collections.abc import Sequence

import openai

from ragops.config.models import ConversationSpec, LLMSpec
from ragops.config.testset import PriorTurn
from ragops.errors import ValidationFailed
from ragops.rag.condense import Standalone, recent
from ragops.rag.openai_client import describe_failure, make_client

# A standalone question is short; a bound keeps a rambling model from costing a long completion.
_MAX_TOKENS = 128
_KEEP_AS_ASKED = {"", "0", "1"}
_LABELS = ("standalone question:", "question:")


def render_history(turns: Sequence[PriorTurn]) -> str:
    lines: list[str] = []
    for turn in turns:
        lines.append(f"User: {turn.question}")
        if turn.answer:
            lines.append(f"Assistant: {turn.answer}")
    return "\n".join(lines)


def render_condense_prompt(spec: ConversationSpec, question: str, turns: Sequence[PriorTurn], lang: str) -> str:
    try:
        return spec.condense_prompt.format_map({"history": render_history(turns), "question": question, "lang": lang})
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationFailed(
            f"conversation.condense_prompt cannot be filled ({exc!r}): use only {{history}}, {{question}} and "
            "{lang}, and write literal braces as {{ and }}"
        ) from exc


def first_line(reply: str) -> str:
    for line in reply.splitlines():
        text = line.strip().strip('"').strip()
        for label in _LABELS:
            if text.lower().startswith(label):
                text = text[len(label) :].strip()
        if text:
            return text
    return ""


class LLMCondenser:
    def __init__(self, spec: ConversationSpec, llm: LLMSpec, lang: str) -> None:
        if llm.model is None:
            raise ValidationFailed("llm.model is required to condense questions with the LLM")
        self.spec = spec
        self.llm = llm
        self.model = llm.model
        self.lang = lang
        self.client = make_client(llm.base_url, llm.api_key_env, llm.timeout_s, llm.max_retries)

    def standalone(self, question: str, history: Sequence[PriorTurn]) -> Standalone:
        turns = recent(self.spec, question, history)
        if not turns:
            return Standalone(question, carried=False)
        prompt = render_condense_prompt(self.spec, question, turns, self.lang)
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=0.0,
                max_tokens=min(_MAX_TOKENS, self.llm.max_tokens),
            )
        except openai.OpenAIError as exc:
            raise describe_failure(exc, self.llm.base_url, self.model) from exc
        reply = first_line(response.choices[0].message.content or "") if response.choices else ""
        usage = response.usage
        tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
        if reply in _KEEP_AS_ASKED:
            return Standalone(question, False, *tokens)
        return Standalone(reply, reply != question, *tokens)
