"""``POST /v1/chat``: one turn of a conversation whose state lives in Redis, so any replica answers any turn.

A turn reads the conversation's history from the store, makes the question standalone with the app's condenser
(the same step the evaluation of conversational test sets runs), answers the standalone question through the same
batcher as ``/v1/query``, and appends the turn to the history. Without a store (no ``--redis-url``) the route
answers 501 saying so; with the store down it answers 503 — ``/v1/query`` and ``/readyz`` never touch Redis.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ragops.errors import RagopsError
from ragops.rag.condense import Condenser, Standalone
from ragops.rag.condense_rule import RuleCondenser
from ragops.rag.engine import Answer
from ragops.serve.batcher import MicroBatcher
from ragops.serve.conversations import (
    ConversationStore,
    StoredTurn,
    StoreUnavailable,
    UnknownConversation,
    new_conversation_id,
)
from ragops.serve.kept_text import KeptText
from ragops.serve.metrics import ServeMetrics
from ragops.serve.models import ChatLatency, ChatRequest, ChatResponse, Source, Status
from ragops.serve.responses import milliseconds, observe_answered, question_too_long, sources_of, unavailable
from ragops.serve.settings import ServeSettings


class Serving(Protocol):
    """What the route needs of the app's state once the engine is loaded (None before)."""

    @property
    def batcher(self) -> MicroBatcher[Answer] | None: ...

    @property
    def condenser(self) -> Condenser | None: ...

    @property
    def text(self) -> KeptText | None: ...


# Keeps an answer for feedback on it: (request id, question answered, answer, its sources).
Remember = Callable[[str, str, Answer, list[Source]], None]


def _status(code: int, status: str, detail: str) -> JSONResponse:
    return JSONResponse(Status(status=status, detail=detail).model_dump(), status_code=code)


NOT_ENABLED = (
    "conversations are not enabled on this service: start it with --redis-url redis://HOST:PORT/DB "
    "(the conversation store, shared by every replica); /v1/query answers single questions without one"
)


def store_down(reason: str) -> JSONResponse:
    return unavailable(f"the conversation store is unreachable ({reason}); /v1/query still answers")


async def _standalone(condenser: Condenser, question: str, history: list[StoredTurn]) -> Standalone:
    prior = [turn.as_prior() for turn in history]
    if isinstance(condenser, RuleCondenser):  # microseconds: no thread hop
        return condenser.standalone(question, prior)
    return await asyncio.to_thread(condenser.standalone, question, prior)  # an LLM call blocks


def add_chat_route(
    app: FastAPI,
    settings: ServeSettings,
    metrics: ServeMetrics,
    serving: Serving,
    store: ConversationStore | None,
    not_ready: Any,
    remember: Remember,
) -> None:
    """Register ``POST /v1/chat`` on ``app``; ``not_ready()`` is the app's own 503 while the engine loads;
    ``remember`` keeps each stored turn's answer for feedback, as ``/v1/query`` keeps its answers."""

    @app.post(
        "/v1/chat",
        response_model=ChatResponse,
        responses={404: {"model": Status}, 413: {"model": Status}, 501: {"model": Status}, 503: {"model": Status}},
        tags=["rag"],
    )
    async def chat(body: ChatRequest, request: Request) -> Any:
        """Answer one turn of a conversation: the question is made standalone from the turns before it, answered
        with citations like /v1/query, and appended to the conversation (created when no id is given)."""
        request_id: str = request.state.request_id
        refused = question_too_long(body.question, settings.max_question_chars)
        if refused is not None:
            return refused
        kept = serving.text
        logged = kept.for_log(body.question) if kept is not None else None
        if logged is not None:  # as /v1/query: only with --log-questions, redacted like the corpus
            request.state.log_fields = {"question": logged}
        if store is None:
            return _status(501, "not implemented", NOT_ENABLED)
        batcher, condenser = serving.batcher, serving.condenser
        if batcher is None or condenser is None:
            return not_ready()
        started_session = time.perf_counter()
        conversation = body.conversation_id or new_conversation_id()
        try:
            # Only the turns the condense step reads: a long conversation costs no more per turn than a short one.
            last = condenser.spec.n_last_interactions
            history = await store.history(conversation, last) if body.conversation_id else []
        except UnknownConversation:
            detail = "no conversation has this id: it expired or never existed; omit conversation_id to start one"
            return _status(404, "not found", detail)
        except StoreUnavailable as exc:
            return store_down(str(exc))
        session_s = time.perf_counter() - started_session
        started = time.perf_counter()
        try:
            standalone = await _standalone(condenser, body.question, history)
        except RagopsError as exc:  # the LLM that condenses is unreachable
            return unavailable(exc.message)
        condense_s = time.perf_counter() - started
        try:
            batched = await batcher.submit(standalone.question)
        except RagopsError as exc:
            return unavailable(exc.message)
        answer = batched.result
        started = time.perf_counter()
        turn = StoredTurn(
            question=body.question,
            standalone_question=standalone.question,
            answer=answer.answer,
            cited_doc_ids=answer.citations,
            request_id=request_id,
            time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        try:
            number = await store.append(conversation, turn, new=body.conversation_id is None)
        except UnknownConversation:
            return _status(404, "not found", "the conversation expired while this turn was answered; start a new one")
        except StoreUnavailable as exc:
            return store_down(str(exc))
        session_s += time.perf_counter() - started
        observe_answered(metrics, batched)
        sources = sources_of(answer)
        # The standalone question is what the answer answers: the record reads alone, without the conversation.
        remember(request_id, standalone.question, answer, sources)
        metrics.stage_duration.labels(stage="condense").observe(condense_s)
        metrics.stage_duration.labels(stage="session").observe(session_s)
        return ChatResponse(
            conversation_id=conversation,
            turn=number,
            request_id=request_id,
            question=body.question,
            standalone_question=standalone.question,
            carried=standalone.carried,
            answer=answer.answer,
            sources=sources,
            latency_ms=ChatLatency(
                retrieve=round(answer.latency_ms.get("retrieve", 0.0), 3),
                generate=round(answer.latency_ms.get("generate", 0.0), 3),
                condense=milliseconds(condense_s),
                session=milliseconds(session_s),
                total=milliseconds(time.perf_counter() - request.state.started),
            ),
        )
