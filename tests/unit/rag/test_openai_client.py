"""API keys for OpenAI-compatible endpoints, and what an unreachable endpoint looks like to the user."""

from __future__ import annotations

import pytest

from ragops.config.models import LLMSpec, PromptSpec
from ragops.errors import InfrastructureError
from ragops.rag.openai_chat import OpenAIChatGenerator
from ragops.rag.openai_client import api_key
from tests.conftest import free_loopback_port


def test_loopback_servers_need_no_key_but_remote_ones_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_KEY", raising=False)
    assert api_key("MY_KEY", "http://127.0.0.1:8080/v1")
    with pytest.raises(InfrastructureError, match="MY_KEY"):
        api_key("MY_KEY", "https://llm.example.com/v1")
    monkeypatch.setenv("MY_KEY", "sk-test")
    assert api_key("MY_KEY", "https://llm.example.com/v1") == "sk-test"


def test_an_unreachable_endpoint_is_an_infrastructure_error_naming_it() -> None:
    url = f"http://127.0.0.1:{free_loopback_port()}/v1"
    llm = LLMSpec(provider="openai", model="tiny", base_url=url, max_retries=0, timeout_s=5)
    with pytest.raises(InfrastructureError, match=f"cannot reach {url}"):
        OpenAIChatGenerator(llm, PromptSpec()).generate("q", [])
