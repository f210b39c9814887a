"""The ASGI guard of ``/v1/*``: bearer-token authentication and the per-client rate limit.

Only paths under ``/v1/`` are guarded; ``/healthz``, ``/readyz`` and ``/metrics`` stay open to the kubelet and
Prometheus. With a tokens file, a request needs ``Authorization: Bearer <token>`` naming one of its tokens, else 401
with ``WWW-Authenticate: Bearer``. With a rate limit, each client — its token when authentication is on, else its
address (which uvicorn has taken from ``X-Forwarded-For`` when the peer is a trusted proxy) — gets its own bucket,
and a request past it is refused with 429 and ``Retry-After`` (whole seconds, at least 1) before any work is done.
It sits inside the request guard, so refusals are counted, timed and logged with their request id like any answer.
"""

from __future__ import annotations

import json
import math

from starlette.types import ASGIApp, Receive, Scope, Send

from ragops.serve.access_settings import AccessSettings
from ragops.serve.ratelimit import RateLimiter
from ragops.serve.tokens import TokenFile

GUARDED_PREFIX = "/v1/"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def bearer_token(scope: Scope) -> str | None:
    value = _header(scope, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _refuse(send: Send, status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]]) -> None:
    body = json.dumps({"status": title, "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AccessGuard:
    def __init__(self, app: ASGIApp, tokens: TokenFile | None, limiter: RateLimiter | None) -> None:
        self.app = app
        self.tokens = tokens
        self.limiter = limiter

    @classmethod
    def parts(cls, settings: AccessSettings) -> tuple[TokenFile | None, RateLimiter | None]:
        """The token file and the limiter ``settings`` ask for (None for what is off)."""
        tokens = TokenFile(settings.tokens_file) if settings.tokens_file is not None else None
        limiter = RateLimiter(settings.rate_limit, settings.burst) if settings.rate_limit is not None else None
        return tokens, limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(GUARDED_PREFIX):
            await self.app(scope, receive, send)
            return
        client: str | None = None
        if self.tokens is not None:
            presented = bearer_token(scope)
            client = self.tokens.identify(presented) if presented is not None else None
            if client is None:
                error = b'Bearer realm="ragops", error="invalid_token"' if presented else b'Bearer realm="ragops"'
                detail = "the bearer token is not valid" if presented else "send Authorization: Bearer <token>"
                await _refuse(send, 401, "unauthorized", detail, [(b"www-authenticate", error)])
                return
        if self.limiter is not None:
            key = client or client_address(scope)
            wait = self.limiter.take(key)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                detail = f"more than {self.limiter.rate:g} requests per second: retry in {seconds} s"
                await _refuse(send, 429, "rate limited", detail, [(b"retry-after", str(seconds).encode())])
                return
        await self.app(scope, receive, send)
