"""Use case: run an overlay's pod as local processes and ask it a question — proof that manifests, CLI and artifact
agree, without a cluster.

The plan (:func:`ragops.gitops.pod_plan.plan_overlay_run`) renders the overlay and maps the pod into a folder;
this runs it: each init container's command to completion (``ragops artifact fetch …``: download, verify, unpack
the released index), then the server container's command (``ragops serve …``) in the background, waits for the
readiness probe's path, optionally answers a question through ``POST /v1/query``, and stops the server as the
kubelet would (SIGTERM, then SIGKILL after the grace period). ``ragops`` in a container's command is this
installation's ``ragops`` (the same Python), so what runs is the code of this checkout.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ragops.errors import InfrastructureError, UsageError, ValidationFailed
from ragops.gitops.pod_plan import OverlayRunPlan, ProcessPlan, local_environment, plan_overlay_run

# The pod's terminationGracePeriodSeconds default: how long the server gets to stop before it is killed.
GRACE_SECONDS = 30
# As the startup probe allows (failureThreshold 60 × periodSeconds 10).
READY_TIMEOUT_SECONDS = 600.0
_LOG_TAIL = 30


@dataclass(frozen=True)
class Source:
    doc_id: str
    chunk_id: str
    score: float
    cited: bool
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class QueryAnswer:
    question: str
    answer: str
    request_id: str
    sources: list[Source]
    latency_ms: float | None

    @property
    def cited(self) -> list[Source]:
        return [source for source in self.sources if source.cited]


@dataclass
class OverlayRun:
    overlay: Path
    folder: Path
    url: str
    deployment: str
    init: list[str] = field(default_factory=list)  # each init container's name and what it printed
    answer: QueryAnswer | None = None
    server_log: Path | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _argv(plan: ProcessPlan) -> list[str]:
    if plan.argv and plan.argv[0] == "ragops":
        return [sys.executable, "-m", "ragops.cli.main", *plan.argv[1:]]
    return plan.argv


def _tail(text: str) -> str:
    lines = text.strip().splitlines()
    return "\n".join(f"    {line}" for line in lines[-_LOG_TAIL:]) or "    (no output)"


def _run_init(plan: ProcessPlan, cwd: Path) -> str:
    try:
        done = subprocess.run(
            _argv(plan), env=local_environment(plan), cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise InfrastructureError(f"init container {plan.name}: cannot run {plan.argv[0]} ({exc})") from None
    if done.returncode != 0:
        raise ValidationFailed(
            f"init container {plan.name} failed (exit {done.returncode}): {' '.join(plan.argv)}\n"
            + _tail(done.stdout + done.stderr)
        )
    return (done.stdout + done.stderr).strip()


def _wait_ready(server: subprocess.Popen[bytes], plan: OverlayRunPlan, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ValidationFailed(
                f"the server container exited ({server.returncode}) before {plan.readiness.path} was ready:\n"
                + _tail(log.read_text(encoding="utf-8", errors="replace"))
            )
        try:
            response = httpx.get(plan.readiness.url, timeout=2.0)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = str(exc) or type(exc).__name__
        time.sleep(0.5)
    raise InfrastructureError(
        f"{plan.readiness.url} not ready after {timeout_s:.0f} s (last: {last}):\n"
        + _tail(log.read_text(encoding="utf-8", errors="replace"))
    )


def _ask(base_url: str, question: str) -> QueryAnswer:
    try:
        response = httpx.post(f"{base_url}/v1/query", json={"question": question}, timeout=300.0)
    except httpx.HTTPError as exc:
        raise InfrastructureError(f"POST {base_url}/v1/query: {exc}") from None
    if response.status_code != 200:
        raise ValidationFailed(f"POST {base_url}/v1/query answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    sources = [
        Source(
            doc_id=str(s["doc_id"]),
            chunk_id=str(s["chunk_id"]),
            score=float(s.get("score", 0.0)),
            cited=bool(s.get("cited", False)),
            start=s.get("start"),
            end=s.get("end"),
        )
        for s in body.get("sources", [])
    ]
    return QueryAnswer(question, str(body["answer"]), str(body.get("request_id", "")), sources, body.get("latency_ms"))


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_overlay(
    overlay: Path,
    *,
    port: int | None = None,
    question: str | None = None,
    workdir: Path | None = None,
    keep_running: bool = False,
    on_ready: Callable[[OverlayRun], None] | None = None,
    ready_timeout_s: float = READY_TIMEOUT_SECONDS,
) -> OverlayRun:
    """Run ``overlay``'s pod locally; with ``keep_running``, serve until interrupted (``on_ready`` is called first)."""
    if workdir is not None and workdir.exists() and any(workdir.iterdir()):
        raise UsageError(f"--workdir {workdir}: not empty; a local run lays the pod out in a fresh folder")
    folder = workdir or Path(tempfile.mkdtemp(prefix="ragops-overlay-"))
    try:
        plan = plan_overlay_run(overlay, folder / "pod", port=port or free_port())
        base_url = plan.readiness.url.removesuffix(plan.readiness.path)
        result = OverlayRun(overlay, folder, base_url, plan.deployment)
        for init in plan.init:
            result.init.append(f"{init.name}: {_run_init(init, folder)}")
        log = folder / "server.log"
        result.server_log = log
        with log.open("wb") as output:
            try:
                server = subprocess.Popen(
                    _argv(plan.main), env=local_environment(plan.main), cwd=folder, stdout=output, stderr=output
                )
            except OSError as exc:
                raise InfrastructureError(f"server container: cannot run {plan.main.argv[0]} ({exc})") from None
        try:
            _wait_ready(server, plan, log, ready_timeout_s)
            if question is not None:
                result.answer = _ask(base_url, question)
            if keep_running:
                if on_ready is not None:
                    on_ready(result)
                server.wait()
        finally:
            _stop(server)
        return result
    finally:
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
