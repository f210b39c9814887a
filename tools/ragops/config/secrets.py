"""Configs are reviewed in public pull requests: a secret written into one is an error, not a warning."""

from __future__ import annotations

import re
from typing import Any

from ragops.config.diagnostics import Finding

_SECRET_KEYS = {
    "api_key",
    "apikey",
    "api_token",
    "token",
    "access_token",
    "auth_token",
    "secret",
    "secret_key",
    "password",
    "passwd",
    "openai_api_key",
    "authorization",
    "bearer",
}
# Shapes of well-known credentials: OpenAI, GitHub, AWS, Slack, Hugging Face.
_SECRET_VALUE = re.compile(
    r"\b(sk-[A-Za-z0-9_-]{16,}|ghp_[A-Za-z0-9]{30,}|github_pat_\w{20,}|AKIA[0-9A-Z]{16}|xox[abp]-[\w-]{10,}"
    r"|hf_[A-Za-z0-9]{30,})\b"
)
_FIX = "delete it and name the environment variable that holds it instead: api_key_env: OPENAI_API_KEY"


def find_secrets(data: Any, path: tuple[str | int, ...] = ()) -> list[Finding]:
    if isinstance(data, dict):
        found: list[Finding] = []
        for key, value in data.items():
            child = (*path, key)
            if key.lower().replace("-", "_") in _SECRET_KEYS:
                found.append(
                    Finding(child, "literal-secret", f"'{key}' would put a secret into the config", _FIX, at_key=True)
                )
            else:
                found += find_secrets(value, child)
        return found
    if isinstance(data, list):
        return [f for i, item in enumerate(data) for f in find_secrets(item, (*path, i))]
    if isinstance(data, str) and _SECRET_VALUE.search(data):
        return [Finding(path, "literal-secret", "this value looks like a credential", _FIX)]
    return []
