"""Running the RAG service: verify what will be served, then run uvicorn until it is asked to stop.

The index and config are verified *before* the port is bound, so a mismatch or a damaged index is a clean
``ValidationFailed`` (exit 1) naming what differs, and no orchestrator ever sees a listening service that can
not serve. Each uvicorn worker then loads its own engine in the background (``/readyz`` waits for it). On
SIGTERM uvicorn stops accepting connections and finishes the requests in flight, then exits by that signal
(status 143 in a shell, as Kubernetes expects).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import uvicorn

from ragops import tracing
from ragops.errors import ValidationFailed
from ragops.serve.access import AccessGuard
from ragops.serve.app import configure_service_logs, create_app, default_loader
from ragops.serve.conversation_store import read_password
from ragops.serve.loading import prepare
from ragops.serve.settings import SERVICE_NAME, SETTINGS_ENV, ServeSettings


@dataclass(frozen=True)
class ServeResult:
    app: str
    index_digest: str
    release: str | None


def uvicorn_options(settings: ServeSettings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        # Whose X-Forwarded-For names the client (the rate limit's key without tokens): uvicorn's proxy headers.
        "proxy_headers": True,
        "forwarded_allow_ips": settings.access.forwarded_allow_ips,
        "log_config": None,  # ours: JSON lines through ragops.logs (configure_service_logs)
        "access_log": False,  # one line per request comes from the app, with its request id
        "timeout_graceful_shutdown": settings.graceful_timeout_s,
        "server_header": False,
    }


# OpenMP threads that have finished a parallel region spin before sleeping. In a batch job that is free; in the
# service it takes the CPU the event loop needs to turn answers around, and the next batch starts later. Measured
# on 2 cores (bench/bench_serve.py, covid-qa, 8 clients): ~10-20 % more throughput at a lower p95 with "PASSIVE".
# It must be in the environment before torch is first imported (it is imported lazily, with the engine); an
# operator's own setting wins. Worker processes (--workers > 1) inherit it.
_OPENMP_WAIT = ("OMP_WAIT_POLICY", "PASSIVE")
_WORKER_STARTUP_S = 120


def serve(settings: ServeSettings) -> ServeResult:
    """Verify, then serve until SIGTERM/SIGINT. Raises if the index or config is refused."""
    os.environ.setdefault(*_OPENMP_WAIT)
    configure_service_logs(settings)
    tracing.configure_from_environment(SERVICE_NAME)  # off unless the OTEL_* variables ask for it
    prepared = prepare(settings)
    # Files the workers read (the Redis password, the bearer tokens): refused here, before any port is bound.
    read_password(settings)
    AccessGuard.parts(settings.access)
    result = ServeResult(
        prepared.config.name, prepared.digest, prepared.release.release_id if prepared.release else None
    )
    if settings.workers > 1:
        os.environ[SETTINGS_ENV] = settings.model_dump_json()
        uvicorn.run(
            "ragops.serve.app:app_from_environment",
            factory=True,
            workers=settings.workers,
            # A worker answers the parent's health pings only once it has re-imported the CLI (torch and all):
            # ~3 s on a quiet node, a minute on a busy one, where uvicorn's default of 5 s killed every worker.
            timeout_worker_healthcheck=_WORKER_STARTUP_S,
            **uvicorn_options(settings),
        )
        return result
    server: uvicorn.Server | None = None

    def stop() -> None:
        # Asked to exit, not signalled: uvicorn re-raises a caught signal on the way out, which would hide exit 1.
        if server is not None:
            server.should_exit = True

    app = create_app(settings, loader=default_loader(settings, prepared), on_failure=stop, release=prepared.release)
    server = uvicorn.Server(uvicorn.Config(app, **uvicorn_options(settings)))
    server.run()
    failure = app.state.serve.failure
    if failure is not None:
        raise ValidationFailed(f"the service stopped: {failure}")
    return result
