"""The chat page's serving: content-hashed assets, caching, the Content-Security-Policy, and GET /about."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ragops.rag.engine import Answer
from ragops.serve.access_settings import AccessSettings
from ragops.serve.app import Loaded, create_app
from ragops.serve.metrics import ServeMetrics
from ragops.serve.models import ReleaseManifest
from ragops.serve.page import ASSETS, CONTENT_SECURITY_POLICY, build_page
from ragops.serve.settings import ServeSettings


class _Echo:
    def answer_many(self, questions: Sequence[str]) -> list[Answer]:
        return [Answer(q, q, [], [], {"retrieve": 0.0, "generate": 0.0}) for q in questions]


RELEASE = ReleaseManifest(app="tiny", environment="staging", release_id="r-1")


def _client(tmp_path: Path, release: threading.Event | None = None, **settings: object) -> TestClient:
    def loader(metrics: ServeMetrics) -> Loaded:
        if release is not None:
            release.wait(30)
        return Loaded(_Echo(), chunks=1, documents=1, app="tiny")

    config = ServeSettings(config=tmp_path / "app.yaml", index=tmp_path / "index", **settings)  # type: ignore[arg-type]
    return TestClient(create_app(config, loader=loader, on_failure=None, release=RELEASE))


def _ready(client: TestClient) -> None:
    deadline = time.monotonic() + 30
    while not client.get("/about").json()["ready"]:
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_the_page_names_its_assets_by_content_hash_and_they_are_cached_for_good(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        urls = re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text)
        assert len(urls) == 3
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert hashlib.sha256(asset.content).hexdigest()[:16] in url
            assert asset.headers["x-content-type-options"] == "nosniff"
        assert client.head("/").status_code == 200
        missing = client.get("/assets/chat.0000000000000000.js")
        assert missing.status_code == 404 and "reload the page" in missing.json()["detail"]


def test_the_page_has_no_inline_script_or_style_and_sets_text_only() -> None:
    html = (ASSETS / "index.html").read_text(encoding="utf-8")
    assert all(' src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)
    script = (ASSETS / "chat.js").read_text(encoding="utf-8")
    assert "innerHTML" not in script and "eval(" not in script
    # The policy allows nothing but this origin.
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_a_placeholder_without_its_asset_is_refused(tmp_path: Path) -> None:
    for name in ("index.html", "chat.css", "chat.js", "icon.svg"):
        (tmp_path / name).write_bytes((ASSETS / name).read_bytes())
    assert len(build_page(tmp_path).assets) == 3
    (tmp_path / "index.html").write_text('<link href="{{extra.css}}">', encoding="utf-8")
    with pytest.raises(ValueError, match="not shipped"):
        build_page(tmp_path)


def test_about_says_what_the_page_needs_before_and_after_loading(tmp_path: Path) -> None:
    release = threading.Event()
    with _client(tmp_path, release, feedback_dir=tmp_path / "feedback", max_question_chars=300) as client:
        loading = client.get("/about").json()
        assert loading == {  # the release manifest is read before the index loads: the footer can say it at once
            "app": None,
            "release": "r-1",
            "environment": "staging",
            "ready": False,
            "detail": "the index is still loading",
            "conversations": False,
            "feedback": True,
            "comments": False,
            "auth": False,
            "max_question_chars": 300,
        }
        release.set()
        _ready(client)
        ready = client.get("/about").json()
        assert ready["app"] == "tiny" and ready["release"] == "r-1" and ready["environment"] == "staging"
        assert ready["detail"] is None


def test_about_and_the_page_are_open_when_v1_needs_a_token(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("secret-token\n", encoding="utf-8")
    with _client(tmp_path, access=AccessSettings(tokens_file=tokens)) as client:
        _ready(client)
        assert client.get("/about").json()["auth"] is True
        assert client.get("/").status_code == 200
        assert client.post("/v1/query", json={"question": "hi"}).status_code == 401


def test_about_says_whether_feedback_comments_are_kept(tmp_path: Path) -> None:
    with _client(tmp_path, feedback_dir=tmp_path / "feedback", feedback_text=True) as client:
        about = client.get("/about").json()
        assert about["feedback"] is True and about["comments"] is True
