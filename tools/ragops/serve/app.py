"""The FastAPI application: routes, readiness, and the wiring of batcher, metrics, logs and feedback.

``create_app`` builds one independent app (its own metrics registry), so tests can run several. The engine is
loaded in a background thread after the server starts: ``/healthz`` answers at once, ``/readyz`` and
``/v1/query`` answer 503 until the index is loaded, verified and the model warm. If loading fails the app
records why and asks its process to stop, so the service never runs without an index it checked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from ragops import logs, tracing
from ragops.config.privacy import PrivacySpec
from ragops.errors import RagopsError
from ragops.rag.condense import Condenser
from ragops.rag.condensers import make_condenser
from ragops.rag.embeddings import set_compute_threads
from ragops.rag.engine import Answer
from ragops.serve.access import AccessGuard
from ragops.serve.batcher import MicroBatcher
from ragops.serve.chat import add_chat_route
from ragops.serve.conversation_store import open_store
from ragops.serve.feedback import FeedbackStore, RequestRecord
from ragops.serve.instrumented import TimedEmbedder
from ragops.serve.kept_text import KeptText
from ragops.serve.loading import Prepared, build_engine, prepare, read_release
from ragops.serve.memory import trim_periodically
from ragops.serve.metrics import ServeMetrics
from ragops.serve.middleware import RequestGuard
from ragops.serve.models import (
    FeedbackRequest,
    FeedbackResponse,
    Latency,
    QueryRequest,
    QueryResponse,
    ReleaseManifest,
    Source,
    Status,
)
from ragops.serve.request_tracing import TraceRequests
from ragops.serve.responses import milliseconds, observe_answered, question_too_long, sources_of, unavailable
from ragops.serve.settings import ServeSettings

_log = logs.get_logger("ragops.serve")
# uvicorn's startup and shutdown lines are kept at the service's level, not only from WARNING up.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error")


def configure_service_logs(settings: ServeSettings) -> None:
    """The service logs JSON lines through ``ragops.logs`` (the CLI's schema), uvicorn's records among them; its
    access log is the app's own ``request`` event, which carries the request id."""
    logs.configure("json", settings.log_level, info_loggers=_UVICORN_LOGGERS)
    logs.bind(command="serve")
    logging.getLogger("uvicorn.access").disabled = True


class AnswersMany(Protocol):
    def answer_many(self, questions: Sequence[str]) -> list[Answer]: ...


@dataclass(frozen=True)
class Loaded:
    """What a loader hands the app once the index is verified and the engine is warm."""

    engine: AnswersMany
    chunks: int
    documents: int
    privacy: PrivacySpec | None = None  # the app's spec.privacy: how kept question and comment text is redacted
    condenser: Condenser | None = None  # makes a chat turn standalone; /v1/chat waits for it like /v1/query


Loader = Callable[[ServeMetrics], Loaded]


def default_loader(settings: ServeSettings, verified: Prepared | None = None) -> Loader:
    """Verify (unless ``verified`` is given: the caller already did) and build a warm engine."""

    def load(metrics: ServeMetrics) -> Loaded:
        prepared = verified or prepare(settings)
        set_compute_threads(settings.thread_plan[1])
        engine = build_engine(prepared)
        embedder = engine.retriever.embedder
        if embedder is not None:
            engine.retriever.embedder = TimedEmbedder(embedder, metrics.stage_duration.labels(stage="embed").observe)
        manifest = prepared.index.manifest
        return Loaded(
            engine,
            manifest.chunk_count,
            manifest.document_count,
            prepared.config.spec.privacy,
            make_condenser(prepared.config),
        )

    return load


class _State:
    def __init__(self) -> None:
        self.loaded: Loaded | None = None
        self.failure: str | None = None
        self.batcher: MicroBatcher[Answer] | None = None
        self.trimmer: asyncio.Task[None] | None = None
        self.text: KeptText | None = None  # set with ``loaded``

    @property
    def condenser(self) -> Condenser | None:
        return self.loaded.condenser if self.loaded is not None else None


def _terminate_self() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def create_app(
    settings: ServeSettings,
    loader: Loader | None = None,
    on_failure: Callable[[], None] | None = _terminate_self,
    release: ReleaseManifest | None = None,
) -> FastAPI:
    """The service's app; ``on_failure`` runs when loading fails (default: stop this process; None: keep serving
    503s, for tests). ``release``: the release manifest when the caller has read it already, else the settings'
    one is read now, so every metric carries the release from the first scrape on, while the index still loads."""
    if release is None:
        release_path = settings.release_path()
        release = read_release(release_path) if release_path is not None else None
    release_id = release.release_id if release is not None else None
    metrics = ServeMetrics(release)
    state = _State()
    load = loader or default_loader(settings)
    feedback = FeedbackStore(settings.feedback_dir) if settings.feedback_dir is not None else None
    conversations = open_store(settings)

    def load_in_background(loop: asyncio.AbstractEventLoop) -> None:
        started = time.perf_counter()
        try:
            loaded = load(metrics)
        except RagopsError as exc:
            state.failure = exc.message
        except Exception as exc:  # reported, never a silent half-started service
            _log.exception("engine_failed_to_load")
            state.failure = f"{type(exc).__name__}: {exc}"
        if state.failure is not None:
            _log.error("startup_failed", reason=state.failure)
            if on_failure is not None:
                on_failure()
            return
        metrics.index_chunks.set(loaded.chunks)
        metrics.index_documents.set(loaded.documents)
        batches, compute_threads = settings.thread_plan
        batcher: MicroBatcher[Answer] = MicroBatcher(
            loaded.engine.answer_many, settings.max_batch, settings.max_wait_ms, batches
        )

        async def go_live() -> None:
            await batcher.start()
            state.batcher = batcher
            if settings.memory_trim_s > 0:
                state.trimmer = asyncio.create_task(trim_periodically(settings.memory_trim_s))
            state.text = KeptText(settings.log_questions, settings.feedback_text, loaded.privacy)
            state.loaded = loaded
            metrics.ready.set(1)
            _log.info(
                "ready",
                chunks=loaded.chunks,
                documents=loaded.documents,
                release=release_id,
                batches_at_once=batches,
                threads_per_batch=compute_threads,
                seconds=round(time.perf_counter() - started, 2),
            )

        asyncio.run_coroutine_threadsafe(go_live(), loop).result()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        threading.Thread(target=load_in_background, args=(loop,), name="ragops-load", daemon=True).start()
        yield
        metrics.ready.set(0)
        if state.trimmer is not None:
            state.trimmer.cancel()
        if state.batcher is not None:
            await state.batcher.stop()
        if conversations is not None:
            await conversations.close()
        tracing.flush()

    app = FastAPI(
        title="ragops RAG service",
        version="1",
        description="Answers questions with one evaluated RAG app release; see the README's Serving section.",
        lifespan=lifespan,
    )
    app.state.serve = state
    # Inside the request guard (added later, so it wraps this): refusals are counted and logged like answers.
    tokens, limiter = AccessGuard.parts(settings.access)
    if tokens is not None or limiter is not None:
        app.add_middleware(AccessGuard, tokens=tokens, limiter=limiter)
    app.add_middleware(RequestGuard, metrics=metrics, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(TraceRequests)  # added last, so outermost: the request log line carries the trace id

    def remember_answer(request_id: str, question: str, answer: Answer, sources: list[Source]) -> None:
        """Keep an answer of either question endpoint for feedback on it (with --feedback-dir)."""
        if feedback is None or state.text is None:
            return
        kept = state.text
        feedback.record_request(
            RequestRecord(
                request_id=request_id,
                time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                question=kept.for_feedback(question),
                answer=kept.redacted(answer.answer),
                retrieved_doc_ids=list(dict.fromkeys(h.doc_id for h in answer.hits)),
                cited_doc_ids=answer.citations,
                sources=[s.model_dump() for s in sources],
                release=release_id,
            )
        )

    def not_ready() -> JSONResponse:
        detail = f"failed to load: {state.failure}" if state.failure else "the index is still loading"
        return JSONResponse(Status(status="unavailable", detail=detail).model_dump(), status_code=503)

    @app.get("/healthz", response_model=Status, tags=["operations"])
    async def healthz() -> Status:
        """The process is alive (it may still be loading)."""
        return Status(status="ok")

    @app.get("/readyz", response_model=Status, responses={503: {"model": Status}}, tags=["operations"])
    async def readyz() -> Any:
        """Ready once the index is loaded and verified against the config and the engine is warm."""
        if state.loaded is None:
            return not_ready()
        return Status(status="ready")

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def prometheus_metrics() -> Response:
        """Prometheus metrics: requests, latency per stage, index size, the release and its evaluation."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @app.post(
        "/v1/query",
        response_model=QueryResponse,
        responses={413: {"model": Status}, 503: {"model": Status}},
        tags=["rag"],
    )
    async def query(body: QueryRequest, request: Request) -> Any:
        """Answer a question with the served release: the answer, its sources and per-stage latency."""
        request_id: str = request.state.request_id
        refused = question_too_long(body.question, settings.max_question_chars)
        if refused is not None:
            return refused
        if state.batcher is None or state.text is None:
            return not_ready()
        kept = state.text
        logged = kept.for_log(body.question)
        if logged is not None:
            request.state.log_fields = {"question": logged}
        try:
            batched = await state.batcher.submit(body.question)
        except RagopsError as exc:  # e.g. the LLM endpoint is unreachable: the service itself is fine
            return unavailable(exc.message)
        answer = batched.result
        total = time.perf_counter() - request.state.started
        observe_answered(metrics, batched)
        sources = sources_of(answer)
        remember_answer(request_id, body.question, answer, sources)
        return QueryResponse(
            request_id=request_id,
            answer=answer.answer,
            sources=sources,
            latency_ms=Latency(
                retrieve=round(answer.latency_ms.get("retrieve", 0.0), 3),
                generate=round(answer.latency_ms.get("generate", 0.0), 3),
                total=milliseconds(total),
            ),
        )

    @app.post(
        "/v1/feedback",
        response_model=FeedbackResponse,
        responses={404: {"model": Status}, 413: {"model": Status}},
        tags=["rag"],
    )
    async def give_feedback(body: FeedbackRequest) -> Any:
        """Rate an answer (up or down, optionally with a comment); stored durably, append-only."""
        if feedback is None:
            detail = "feedback is not enabled on this service (start it with --feedback-dir)"
            return JSONResponse(Status(status="not found", detail=detail).model_dump(), status_code=404)
        comment = state.text.for_feedback(body.comment) if state.text is not None else None
        # fsync is blocking disk I/O: keep it off the event loop.
        stored = await asyncio.to_thread(feedback.add_feedback, body.request_id, body.rating, comment)
        if not stored:
            detail = f"no answered request with id {body.request_id!r} is known to this service"
            return JSONResponse(Status(status="not found", detail=detail).model_dump(), status_code=404)
        metrics.feedback.labels(rating=body.rating).inc()
        return FeedbackResponse(request_id=body.request_id, stored=True)

    add_chat_route(app, settings, metrics, state, conversations, not_ready, remember_answer)
    return app


def app_from_environment() -> FastAPI:
    """The app of one uvicorn worker process (``--workers`` > 1): settings come from the environment."""
    from ragops.serve.settings import SERVICE_NAME, SETTINGS_ENV

    settings = ServeSettings.model_validate_json(os.environ[SETTINGS_ENV])
    configure_service_logs(settings)
    tracing.configure_from_environment(SERVICE_NAME)
    return create_app(settings)
