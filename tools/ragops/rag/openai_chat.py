"""The ``openai`` generator: a chat completion from any OpenAI-compatible endpoint, prompted with the sources."""

from __future__ import annotations

from urllib.parse import urlparse

import openai
from opentelemetry.trace import SpanKind

from ragops import tracing
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
        address = urlparse(self.url or "https://api.openai.com/v1")
        self.span_attributes: tracing.Attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.system": "openai",
            "gen_ai.request.model": self.model,
            "gen_ai.request.max_tokens": llm.max_tokens,
            "gen_ai.request.temperature": llm.temperature,
            "server.address": address.hostname or "",
            "server.port": address.port or (443 if address.scheme == "https" else 80),
        }

    def generate(self, question: str, hits: list[Hit]) -> Generation:
        user = render_prompt(self.prompt, question, hits)
        # The LLM call's client span (OpenTelemetry's gen_ai conventions): the traceparent the client sends names it.
        with tracing.span(f"chat {self.model}", self.span_attributes, kind=SpanKind.CLIENT) as traced:
            try:
                response = self.client.chat.completions.create(
                    model=self.model,
                    messages=[{"role": "system", "content": self.prompt.system}, {"role": "user", "content": user}],
                    temperature=self.llm.temperature,
                    max_tokens=self.llm.max_tokens,
                )
            except openai.OpenAIError as exc:
                traced.set("error.type", type(exc).__name__)
                raise describe_failure(exc, self.url, self.model) from exc
            usage = response.usage
            if usage is not None:
                traced.set("gen_ai.usage.input_tokens", usage.prompt_tokens)
                traced.set("gen_ai.usage.output_tokens", usage.completion_tokens)
        answer = (response.choices[0].message.content or "").strip() if response.choices else ""
        return Generation(
            answer=answer,
            citations=cited_doc_ids(answer, hits),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            prompt=user,
        )
