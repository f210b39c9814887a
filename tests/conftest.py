"""Shared fixtures: the repository root and the bundled fixture data."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import settings

# CI replays the same examples on every run, so a landing never hinges on luck; locally every run explores anew.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures"


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now: for a server to start on, or to find unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
