"""The ``openai`` generator: a chat completion from any OpenAI-compatible endpoint, prompted with the sources."""

from __future__ import annotations

import openai

from ragops.config.models import LLMSpec, PromptSpec
from ragops.errors import ValidationFailed
from ragops.rag.generation import Generation
from ragops.rag.hits import Hit
from ragops.rag.openai_client import describe_failure, endpoint_url, make_client
from ragops.rag.prompt import cited_doc_ids, render_prompt


class OpenAIChatGenerator:
    def __init__(self, llm: LLMSpec, prompt: PromptSpec) -> None:
        if llm.model is None:
            raise ValidationFailed("llm.model is required for provider openai")
        self.model = llm.model
        self.llm = llm
        self.prompt = prompt
        self.url = endpoint_url(llm.base_url, llm.base_url_env)
        self.client = make_client(self.url, llm.api_key_env, llm.timeout_s, llm.max_retries)

    def generate(self, question: str, hits: list[Hit]) -> Generation:
        user = render_prompt(self.prompt, question, hits)
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "system", "content": self.prompt.system}, {"role": "user", "content": user}],
                temperature=self.llm.temperature,
                max_tokens=self.llm.max_tokens,
            )
        except openai.OpenAIError as exc:
            raise describe_failure(exc, self.url, self.model) from exc
        answer = (response.choices[0].message.content or "").strip() if response.choices else ""
        usage = response.usage
        return Generation(
            answer=answer,
            citations=cited_doc_ids(answer, hits),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            prompt=user,
        )
