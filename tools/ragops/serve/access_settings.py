"""Who may call ``/v1/*`` and how often: bearer tokens from a file, and a per-client rate limit. Both are off by
default; ``/healthz``, ``/readyz`` and ``/metrics`` are never behind them (probes and Prometheus reach them)."""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class AccessSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens_file: Path | None = Field(
        None, description="bearer tokens, one a line (a mounted Secret); /v1/* needs one of them when set"
    )
    rate_limit: float | None = Field(
        None, gt=0, description="requests per second each client may make to /v1/*, sustained (off when unset)"
    )
    rate_burst: int | None = Field(None, ge=1, description="requests a client may make at once (default: 2 s' worth)")
    trust_forwarded_for: bool = Field(
        False, description="tell clients apart by X-Forwarded-For (behind a proxy that sets it) rather than by peer"
    )

    @property
    def burst(self) -> int:
        if self.rate_burst is not None:
            return self.rate_burst
        return max(1, math.ceil(2 * (self.rate_limit or 0)))
