"""The chat page at ``/``, served by the service itself: one HTML file, a stylesheet, a script and an icon, shipped
in the package (``ragops/serve/assets/``). Nothing comes from a CDN, so the page works in a cluster with no way out.

Assets are served under names holding their content hash (``/assets/chat.3f9c….js``) and may be cached for a year;
the page itself is never cached, so a new release's page names its new assets and no browser mixes an old script
with a new page. The page carries a strict Content-Security-Policy: script, style, images and connections from this
origin only, no inline script, no framing. What the page needs to know before its first question (the release, and
whether conversations, feedback and tokens are on) it reads from ``GET /about``, which the access guard leaves open
like ``/readyz``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from ragops.serve.models import About, Status

ASSETS = Path(__file__).with_name("assets")
PAGE = "index.html"
# The files the page names, by their name in index.html's {{…}} placeholders.
MEDIA_TYPES = {
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Asset:
    body: bytes
    media_type: str


@dataclass(frozen=True)
class Page:
    html: bytes
    assets: dict[str, Asset]  # by the name they are served under (content-hashed)


def hashed_name(name: str, body: bytes) -> str:
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:16]}.{suffix}"


def build_page(folder: Path = ASSETS) -> Page:
    """The page with its placeholders replaced by the assets' content-hashed URLs, and the assets by those names."""
    html = (folder / PAGE).read_text(encoding="utf-8")
    assets: dict[str, Asset] = {}
    for name, media_type in MEDIA_TYPES.items():
        body = (folder / name).read_bytes()
        served = hashed_name(name, body)
        assets[served] = Asset(body, media_type)
        html = html.replace("{{" + name + "}}", f"/assets/{served}")
    if "{{" in html:
        raise ValueError(f"{folder / PAGE} names an asset that is not shipped: {html[html.index('{{') :][:40]}")
    return Page(html.encode("utf-8"), assets)


def add_page_routes(app: FastAPI, about: Callable[[], About]) -> None:
    """Register ``GET /``, ``GET /assets/{name}`` and ``GET /about`` on ``app``."""
    page = build_page()

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def chat_page() -> Response:
        headers = {**_SECURITY_HEADERS, "Cache-Control": "no-cache"}
        return Response(page.html, media_type="text/html; charset=utf-8", headers=headers)

    @app.api_route("/assets/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    async def asset(name: str) -> Response:
        found = page.assets.get(name)
        if found is None:
            detail = "no such asset: the page that named it is from another release; reload the page"
            return JSONResponse(Status(status="not found", detail=detail).model_dump(), status_code=404)
        headers = {**_SECURITY_HEADERS, "Cache-Control": _IMMUTABLE}
        return Response(found.body, media_type=found.media_type, headers=headers)

    @app.get("/about", response_model=About, tags=["operations"])
    async def about_service() -> About:
        """What the chat page needs before its first question: the app and release served, whether the service is
        ready, and whether conversations, feedback and bearer tokens are on. Open like /readyz."""
        return about()
