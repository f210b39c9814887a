"""Shared fixtures: the repository root and the bundled fixture data."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from hypothesis import settings

# CI replays the same examples on every run, so a landing never hinges on luck; locally every run explores anew.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO_ROOT = Path(__file__).resolve().parents[1]


def _git_identity() -> None:
    """Tests commit in scratch repositories: on a machine whose git has no identity yet, give it one through a
    global config file of the tests' own (repository-level settings, like the release bot's, still win)."""
    import tempfile

    known = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True, check=False)
    if known.stdout.strip():
        return
    config = Path(tempfile.mkdtemp(prefix="ragops-tests-git-")) / "gitconfig"
    config.write_text("[user]\n\tname = ragops tests\n\temail = tests@ragops.invalid\n", encoding="utf-8")
    os.environ["GIT_CONFIG_GLOBAL"] = str(config)


_git_identity()
FIXTURES = REPO_ROOT / "tests" / "fixtures"


def free_loopback_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now: for a server to start on, or to find unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_answering(process: subprocess.Popen[bytes], url: str, log: Path, what: str, timeout_s: float) -> None:
    """Poll ``url`` until it answers 200; fail with the server's log when it exits or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, f"{what} exited:\n{log.read_text()}"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{what} not up in {timeout_s} s:\n{log.read_text()}"
        time.sleep(0.25)


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
