"""A judge whose replies come from its cache: tests store the replies they need, and the endpoint is a loopback
port nobody listens on, so a request the test did not foresee fails loudly instead of reaching a model."""

from __future__ import annotations

from pathlib import Path

from ragops.config.models import JudgeSpec
from ragops.evaluation.judge import JudgementCache, Messages, chat_key
from tests.conftest import free_loopback_port


def closed_port_spec(**changes: object) -> JudgeSpec:
    fields: dict[str, object] = {"model": "judge-model", "prompt_version": "v1", "max_retries": 0, "timeout_s": 5}
    fields["base_url"] = f"http://127.0.0.1:{free_loopback_port()}/v1"
    return JudgeSpec.model_validate({**fields, **changes})


def store_reply(
    cache_dir: Path, spec: JudgeSpec, task: str, version: str, max_tokens: int, messages: Messages, reply: str
) -> None:
    """Make ``reply`` the cached answer to ``messages`` for that task and prompt version."""
    JudgementCache(cache_dir).put(chat_key(spec, task, version, max_tokens, messages), reply, spec, task, version)
