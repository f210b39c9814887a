"""A client of the running service: ask it many questions over HTTP, and read which release it serves.

``ragops eval --endpoint`` and ``ragops verify`` ask a deployed service the test set through ``POST /v1/query``
(with ``"detail": true``, so the answer carries everything the evaluation scores). Questions go at most
``concurrency`` at a time (the service's micro-batcher groups them); each has a timeout; a connection error and a
503 (still loading, or a dependency down) are retried with exponential backoff. A question that still fails — a
timeout, an error status, a reply that is not a valid answer — is returned as a failure with its reason, never
dropped and never a traceback. Latency is measured here, at the client: the round trip the user sees.

The release comes from ``/metrics`` (``ragops_release_info``: release id, index digest; the index's size from
``ragops_index_chunks`` and ``ragops_index_documents``), which every release of the service exports.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from ragops.errors import InfrastructureError
from ragops.serve.metrics import RELEASE_INFO
from ragops.serve.models import QueryRequest, QueryResponse

QUERY_PATH = "/v1/query"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
INDEX_CHUNKS = "ragops_index_chunks"
INDEX_DOCUMENTS = "ragops_index_documents"
_TRANSPORT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError, httpx.ReadError)
_EXCERPT_CHARS = 200


@dataclass(frozen=True)
class ClientSettings:
    concurrency: int = 8
    timeout_s: float = 60.0  # one request, end to end
    retries: int = 3  # further attempts after a connection error or a 503
    backoff_s: float = 0.5  # the first wait; doubled after each attempt
    ready_wait_s: float = 120.0  # how long a loading service (503 on /readyz) is waited for


@dataclass(frozen=True)
class ServedRelease:
    """What the service says it serves (the labels of ``ragops_release_info``)."""

    app: str
    environment: str
    release_id: str
    index_digest: str


@dataclass(frozen=True)
class ServiceState:
    """What ``/metrics`` says of the service: its release (None without a release manifest) and its index's size."""

    release: ServedRelease | None
    chunks: int
    documents: int


@dataclass(frozen=True)
class Asked:
    """One question's outcome: the answer, or why there is none; ``seconds`` is the round trip at the client."""

    response: QueryResponse | None
    failure: str | None
    seconds: float
    attempts: int


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _EXCERPT_CHARS else flat[:_EXCERPT_CHARS] + "…"


def _reason(exc: httpx.HTTPError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _ask(client: httpx.AsyncClient, question: str, settings: ClientSettings) -> Asked:
    body = QueryRequest(question=question, detail=True).model_dump()
    started = time.perf_counter()
    attempt = 0
    while True:
        attempt += 1
        try:
            reply = await client.post(QUERY_PATH, json=body)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout) and attempt <= settings.retries:
                await asyncio.sleep(settings.backoff_s * 2 ** (attempt - 1))
                continue
            return Asked(None, f"timed out after {settings.timeout_s:g} s", time.perf_counter() - started, attempt)
        except _TRANSPORT_ERRORS as exc:
            if attempt <= settings.retries:
                await asyncio.sleep(settings.backoff_s * 2 ** (attempt - 1))
                continue
            return Asked(None, _reason(exc), time.perf_counter() - started, attempt)
        except httpx.HTTPError as exc:
            return Asked(None, _reason(exc), time.perf_counter() - started, attempt)
        if reply.status_code == 503 and attempt <= settings.retries:
            await asyncio.sleep(settings.backoff_s * 2 ** (attempt - 1))
            continue
        seconds = time.perf_counter() - started
        if reply.status_code != 200:
            return Asked(None, f"HTTP {reply.status_code}: {_excerpt(reply.text)}", seconds, attempt)
        try:
            answered = QueryResponse.model_validate_json(reply.content)
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(str(part) for part in problem["loc"]) or "the body"
            return Asked(None, f"malformed response ({where}: {problem['msg']})", seconds, attempt)
        if answered.detail is None:
            return Asked(None, "malformed response (no detail: the service ignored detail=true)", seconds, attempt)
        return Asked(answered, None, seconds, attempt)


async def _ask_all(
    base_url: str, questions: Sequence[str], settings: ClientSettings, on_done: Callable[[int, int], None] | None
) -> list[Asked]:
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    gate = asyncio.Semaphore(settings.concurrency)
    done = 0

    async def one(client: httpx.AsyncClient, question: str) -> Asked:
        nonlocal done
        async with gate:
            asked = await _ask(client, question, settings)
        done += 1
        if on_done is not None:
            on_done(done, len(questions))
        return asked

    async with httpx.AsyncClient(base_url=base_url, timeout=settings.timeout_s, limits=limits) as client:
        return list(await asyncio.gather(*(one(client, question) for question in questions)))


def ask_all(
    base_url: str,
    questions: Sequence[str],
    settings: ClientSettings,
    on_done: Callable[[int, int], None] | None = None,
) -> list[Asked]:
    """Ask every question (in this order); ``on_done(done, total)`` hears of each one finished."""
    return asyncio.run(_ask_all(base_url, questions, settings, on_done))


def wait_until_ready(base_url: str, settings: ClientSettings, clock: Callable[[], float] = time.monotonic) -> None:
    """Return once ``/readyz`` answers 200. An endpoint that cannot be connected to after the retries, or that is
    still not ready after ``ready_wait_s``, raises :class:`InfrastructureError` naming it."""
    deadline = clock() + settings.ready_wait_s
    refused = 0
    with httpx.Client(base_url=base_url, timeout=settings.timeout_s) as client:
        while True:
            try:
                reply = client.get(READY_PATH)
            except httpx.HTTPError as exc:
                refused += 1
                if refused > settings.retries:
                    raise InfrastructureError(
                        f"the service at {base_url} is unreachable ({_reason(exc)}); check the URL and that it runs"
                    ) from None
                time.sleep(settings.backoff_s * 2 ** (refused - 1))
                continue
            if reply.status_code == 200:
                return
            if reply.status_code != 503:
                raise InfrastructureError(
                    f"{base_url}{READY_PATH} answered HTTP {reply.status_code} ({_excerpt(reply.text)}): "
                    "is this a ragops service?"
                )
            if clock() >= deadline:
                raise InfrastructureError(
                    f"the service at {base_url} is still not ready after {settings.ready_wait_s:g} s "
                    f"({_excerpt(reply.text)})"
                )
            time.sleep(min(1.0, settings.backoff_s))


def service_state(base_url: str, settings: ClientSettings) -> ServiceState:
    """The release the service says it serves and its index's size, from ``/metrics``."""
    try:
        with httpx.Client(base_url=base_url, timeout=settings.timeout_s) as client:
            reply = client.get(METRICS_PATH)
    except httpx.HTTPError as exc:
        raise InfrastructureError(f"the service at {base_url} is unreachable ({_reason(exc)})") from None
    if reply.status_code != 200:
        raise InfrastructureError(f"{base_url}{METRICS_PATH} answered HTTP {reply.status_code}: {_excerpt(reply.text)}")
    return state_from_metrics(reply.text)


def state_from_metrics(text: str) -> ServiceState:
    """The service's state in a Prometheus exposition of its ``/metrics``."""
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as exc:
        raise InfrastructureError(f"the service's {METRICS_PATH} is not a Prometheus exposition ({exc})") from None
    release: ServedRelease | None = None
    sizes = {INDEX_CHUNKS: 0, INDEX_DOCUMENTS: 0}
    for family in families:
        for sample in family.samples:
            if sample.name in sizes:
                sizes[sample.name] = int(sample.value)
            elif sample.name == RELEASE_INFO and sample.value == 1 and sample.labels.get("release"):
                labels = sample.labels
                release = ServedRelease(
                    app=labels.get("app", ""),
                    environment=labels.get("environment", ""),
                    release_id=labels["release"],
                    index_digest=labels.get("index_digest", ""),
                )
    return ServiceState(release, sizes[INDEX_CHUNKS], sizes[INDEX_DOCUMENTS])
