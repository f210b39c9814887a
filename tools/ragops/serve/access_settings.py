"""Who may call ``/v1/*`` and how often: bearer tokens from a file, and a per-client rate limit. Both are off by
default; ``/healthz``, ``/readyz`` and ``/metrics`` are never behind them (probes and Prometheus reach them).

Without tokens, the rate limit tells clients apart by address. Behind a proxy every request comes from the proxy,
so the client's address is taken from ``X-Forwarded-For`` when (and only when) the peer is a trusted proxy —
uvicorn's own proxy-header handling, configured by ``forwarded_allow_ips``."""

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
    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="proxies trusted to name the client in X-Forwarded-For (comma-separated addresses or networks, "
        "'*' for any); a client's address is that proxy's claim, or else the peer's. The default trusts a sidecar "
        "proxy on the pod's loopback (Istio's Envoy).",
    )

    @property
    def burst(self) -> int:
        if self.rate_burst is not None:
            return self.rate_burst
        return max(1, math.ceil(2 * (self.rate_limit or 0)))
