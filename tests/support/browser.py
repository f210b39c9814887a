"""A real browser for the chat page's tests: Debian's Chromium (``make tools-debian``) driven by Playwright for Python.

Playwright's own browser builds (``playwright install``) are never used: they are downloads from outside the package
registries. Chromium runs headless with a fresh profile, without its sandbox when the tests run
as root (Chromium refuses to start as root with it), and with every feature that would call out to the network off.
axe-core, the accessibility checker the tests inject, comes from the npm registry through ``make tools-npm``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, sync_playwright

from tests.conftest import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO_ROOT / "tests" / "support" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
QUIET = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--no-default-browser-check",
    "--disable-domain-reliability",
    "--metrics-recording-only",
)
PHONE = {"width": 390, "height": 844}  # an iPhone 12-14 class viewport in CSS pixels
DESKTOP = {"width": 1280, "height": 900}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless. Playwright's ``launch`` gives every browser it starts a fresh profile
    (``--user-data-dir`` in a new temporary folder, removed when the browser closes)."""
    if not CHROMIUM.is_file():
        raise AssertionError(f"{CHROMIUM} not found: run `make tools-debian` (Debian package chromium)")
    arguments = [*QUIET, *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=arguments)
        try:
            yield browser
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` as it is now (WCAG 2.x A and AA rules and best practices)."""
    if not AXE.is_file():
        raise AssertionError(f"{AXE} not found: run `make tools-npm` (axe-core from the npm registry)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    violations: list[dict[str, Any]] = result["violations"]
    return violations
