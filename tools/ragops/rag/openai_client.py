"""The official ``openai`` client for any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server).

Keys come from the environment variable the config names, never from the config. A server on loopback (a local
llama.cpp or Ollama) usually needs no key, so a placeholder is sent when the variable is unset there. The endpoint
is ``base_url`` unless the variable the config names in ``base_url_env`` is set: that is how CI and each deployment
point an app at their own server without editing its config. Every request carries the current trace context
(W3C ``traceparent``, see ``ragops.tracing``), so a server that traces continues the caller's trace.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

import httpx
import openai

from ragops import tracing
from ragops.errors import InfrastructureError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}
_PLACEHOLDER_KEY = "no-key-needed-on-loopback"


def is_loopback(base_url: str | None) -> bool:
    return base_url is not None and urlparse(base_url).hostname in _LOOPBACK_HOSTS


def endpoint_url(base_url: str | None, base_url_env: str | None) -> str | None:
    """Where an endpoint is reached here: the ``base_url_env`` variable when it is set and not empty, else
    ``base_url`` (None: the OpenAI API)."""
    override = os.environ.get(base_url_env, "").strip() if base_url_env else ""
    return override or base_url


def api_key(api_key_env: str | None, base_url: str | None) -> str:
    variable = api_key_env or DEFAULT_KEY_ENV
    value = os.environ.get(variable)
    if value:
        return value
    if is_loopback(base_url):
        return _PLACEHOLDER_KEY
    raise InfrastructureError(
        f"the environment variable {variable} holding the API key for {base_url or 'api.openai.com'} is not set: "
        f"export {variable}=… (or name another variable in api_key_env)"
    )


def _propagate(request: httpx.Request) -> None:
    """Send the current trace context (W3C ``traceparent``) with every request, retries included."""
    tracing.inject(request.headers)


def make_client(base_url: str | None, api_key_env: str | None, timeout_s: float, max_retries: int) -> openai.OpenAI:
    # The client retries connection errors, 408, 409, 429 and 5xx with exponential backoff and jitter itself.
    return openai.OpenAI(
        base_url=base_url,
        api_key=api_key(api_key_env, base_url),
        timeout=timeout_s,
        max_retries=max_retries,
        # openai's own httpx defaults (timeouts, connection limits, redirects), plus the trace context.
        http_client=openai.DefaultHttpxClient(event_hooks={"request": [_propagate]}),
    )


def describe_failure(exc: openai.OpenAIError, base_url: str | None, model: str) -> InfrastructureError:
    """A clear message for a failed call: what was called, what went wrong, what to check."""
    where = base_url or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError):
        return InfrastructureError(f"{where} did not answer in time (model {model}): raise timeout_s or check it")
    if isinstance(exc, openai.APIConnectionError):
        return InfrastructureError(f"cannot reach {where} (model {model}): is the server running at that base_url?")
    if isinstance(exc, openai.AuthenticationError):
        return InfrastructureError(f"{where} rejected the API key (model {model}): check the api_key_env variable")
    if isinstance(exc, openai.NotFoundError):
        return InfrastructureError(f"{where} has no model {model!r}: list its models at {where}/models")
    if isinstance(exc, openai.APIStatusError):
        return InfrastructureError(f"{where} answered HTTP {exc.status_code} for model {model}: {exc.message}")
    return InfrastructureError(f"call to {where} failed (model {model}): {exc}")
