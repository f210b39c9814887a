"""Where the service keeps conversations (``POST /v1/chat``) and how much of each it keeps.

Without a Redis URL the service has no conversation store: ``/v1/chat`` answers 501 and ``/v1/query`` is
unaffected. The password is read from a file (a mounted Kubernetes Secret), never from the URL or the command line,
where it would show in the pod spec and the process list.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class ConversationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    redis_url: str | None = Field(
        None, description="redis://host:port/db (rediss:// for TLS); conversations are off without it"
    )
    redis_password_file: Path | None = Field(None, description="a file holding the Redis password (a Secret)")
    max_turns: int = Field(20, ge=1, le=1000, description="turns kept per conversation; older ones are dropped")
    max_chars: int = Field(
        20_000, ge=100, le=10_000_000, description="characters of questions and answers kept per conversation"
    )
    ttl_s: int = Field(24 * 3600, ge=1, description="seconds a conversation is kept after its last turn")
    timeout_s: float = Field(1.0, gt=0, le=60, description="longest wait for Redis before /v1/chat answers 503")

    @field_validator("redis_url")
    @classmethod
    def _scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(REDIS_SCHEMES):
            raise ValueError(f"a Redis URL starts with {', '.join(REDIS_SCHEMES)}: got {value.split(':', 1)[0]}:…")
        return value

    @property
    def enabled(self) -> bool:
        return self.redis_url is not None
