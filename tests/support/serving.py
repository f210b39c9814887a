"""Helpers of the service's end-to-end tests: a tiny app in a temporary repository, and `ragops serve` processes.

The index is built (and published to a file:// store) once per session; each test starts the real service as a
subprocess on a free loopback port and stops it with SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ragops.cli.main import main
from tests.conftest import free_loopback_port, wait_until_answering

STARTUP_S = 180

DOCS = {
    "alpha.txt": "The alpha protocol uses a five step handshake. Each step is acknowledged by the server. "
    "Alpha was designed in 1998 for satellite links.",
    "beta.txt": "Beta sorting has a quadratic worst case. Its average case is n log n. Beta is used for small "
    "arrays because its constant factor is low.",
    "gamma.txt": "Gamma rays are the most energetic photons. They are produced by radioactive decay and by "
    "supernova explosions.",
    "delta.txt": "A river delta forms where a river deposits sediment at its mouth. The Nile delta is one of the "
    "largest deltas in the world.",
    "epsilon.txt": "In analysis, epsilon denotes an arbitrarily small positive quantity. Limits are defined with "
    "epsilon and delta.",
}

CONFIG = """apiVersion: ragops.dev/v1
kind: RAGApp
metadata:
  name: tiny
spec:
  data:
    corpus: docs
    testsets: [testsets/t.jsonl]
  splitter:
    chunk_size: 64
    chunk_overlap: 8
  retrieval:
    mode: hybrid
    top_k: 3
{llm}"""

EXTRACTIVE = """  llm:
    provider: extractive
    sentences: 1
"""


@dataclass(frozen=True)
class TinyApp:
    root: Path
    config: Path
    index: Path
    store: str
    digest: str
    artifact_uri: str


def write_app(root: Path, llm: str = EXTRACTIVE, name: str = "tiny.yaml", **replace: str) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'tiny-repo'\n")  # marks the repository root
    for file, text in DOCS.items():
        (root / "docs").mkdir(exist_ok=True)
        (root / "docs" / file).write_text(text, encoding="utf-8")
    (root / "testsets").mkdir(exist_ok=True)
    record = {"id": "q1", "question": "How many steps?", "answers": ["five"], "gold_doc_ids": ["alpha"]}
    (root / "testsets" / "t.jsonl").write_text(json.dumps(record) + "\n")
    text = CONFIG.format(llm=llm)
    for old, new in replace.items():
        text = text.replace(old, new)
    path = root / name
    path.write_text(text)
    return path


def build_tiny_app(root: Path) -> TinyApp:
    """The tiny app in the empty folder ``root``, its index built and published to a file:// store there."""
    config = write_app(root)
    store = (root / "store").as_uri()
    index = root / ".ragops" / "index" / "tiny"
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        assert main(["index", str(config), "--publish", store]) == 0
    lines = out.getvalue().strip().splitlines()
    digest, uri = lines[-2], lines[-1]
    assert digest.startswith("sha256:") and uri.startswith(store)
    return TinyApp(root, config, index, store, digest, uri)


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log_lines(self) -> list[dict[str, object]]:
        found = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                found.append(value)
        return found


def serve_command(config: Path, index: Path, *extra: str, port: int | None = None) -> list[str]:
    port = port or free_loopback_port()
    return [
        sys.executable,
        "-m",
        "ragops.cli.main",
        "serve",
        "--config",
        str(config),
        "--index",
        str(index),
        "--port",
        str(port),
        *extra,
    ]


def start(
    config: Path, index: Path, log: Path, *extra: str, wait_ready: bool = True, port: int | None = None
) -> Served:
    """``ragops serve`` on ``port`` (default: a free one), its output in ``log`` (appended to, so a replica
    restarted on the same log keeps its history)."""
    port = port or free_loopback_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            serve_command(config, index, *extra, port=port),
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    served = Served(process, f"http://127.0.0.1:{port}", log)
    if wait_ready:
        wait_until_answering(process, f"{served.base_url}/readyz", log, "ragops serve", STARTUP_S)
    return served


@pytest.fixture(scope="session")
def tiny_app(tmp_path_factory: pytest.TempPathFactory) -> TinyApp:
    return build_tiny_app(tmp_path_factory.mktemp("tiny-repo"))


def release_manifest(app: TinyApp, digest: str | None = None, name: str = "tiny") -> dict[str, object]:
    return {
        "schema_version": 1,
        "app": name,
        "environment": "staging",
        "release_id": "r-2026-01-01-abc",
        "created_at": "2026-01-01T12:00:00Z",
        "commit": "abc123",
        "config_hash": "c0ffee",
        "corpus_hash": "d00d",
        "testset_hashes": {"t": "beef"},
        "index": {"uri": app.artifact_uri, "digest": digest or app.digest, "index_id": "idx"},
        "image": None,
        "evaluation": {"run_id": "run-1", "metrics": {"recall@5": 0.9, "f1": 0.5}, "gate": "pass"},
        "promoted_by": "a future field the service must tolerate",
    }


@pytest.fixture(scope="session")
def served(tiny_app: TinyApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One service shared by the tests that do not stop it: with a release manifest and a feedback folder."""
    folder = tmp_path_factory.mktemp("served")
    release = folder / "release.json"
    release.write_text(json.dumps(release_manifest(tiny_app)))
    server = start(
        tiny_app.config,
        tiny_app.index,
        folder / "serve.log",
        "--release",
        str(release),
        "--feedback-dir",
        str(folder / "feedback"),
    )
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def in_process(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn on a thread on a free loopback port until it is ready (``/readyz``);
    yields its base URL, then stops it."""
    import threading
    import time

    import httpx
    import uvicorn

    port = free_loopback_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert thread.is_alive() and time.monotonic() < deadline, "the app did not become ready"
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(30)
