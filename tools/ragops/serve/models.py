"""The service's request and response bodies, and the release manifest it reads: its public HTTP contract.

Requests forbid unknown fields (a typo is a 422, not a silently ignored option). The release manifest is read
tolerantly: promotion may add fields, and an older service must still start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The default longest question; the service's --max-question-chars overrides it.
MAX_QUESTION_CHARS = 2000
MAX_COMMENT_CHARS = 4000


class QuestionRequest(BaseModel):
    """A question, as ``/v1/query`` and ``/v1/chat`` both take it."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question to answer; not blank.")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty or only whitespace")
        return value


class QueryRequest(QuestionRequest):
    detail: bool = Field(
        False,
        description="Also return what an evaluation scores beyond the answer and sources: the context the answer "
        "was generated from, the cited documents and the token counts (``ragops eval --endpoint`` asks for it).",
    )


class Span(BaseModel):
    start: int
    end: int


class Source(BaseModel):
    doc_id: str
    title: str | None = Field(description="The document's title (its first line), when it has one.")
    chunk_id: str
    score: float
    start: int = Field(description="Character offset of the chunk in its document.")
    end: int
    cited: bool = Field(description="Whether the answer draws on this source's document.")
    text: str = Field(description="The retrieved passage (the chunk's text).")
    supporting: list[Span] = Field(
        description="Where in text the sentences that support the answer are (character offsets), in order."
    )


class Citation(BaseModel):
    """A citation in the answer text, pointing at the source it names."""

    start: int = Field(
        description="Character offset in the answer: of the [n] the answer wrote, or (start == end) of the end of "
        "the sentence the source supports, where a marker goes."
    )
    end: int
    source: int = Field(description="The cited source's position in sources, from 0.")


class Latency(BaseModel):
    retrieve: float = Field(description="Milliseconds: this question's share of its batch's retrieval.")
    generate: float
    total: float = Field(description="Milliseconds from receiving the request to answering it, queueing included.")


class QueryDetail(BaseModel):
    """What ``"detail": true`` adds to an answer: everything the evaluation scores, so a run against the service
    scores exactly as the pipeline's in-process run does."""

    context: str = Field(description="The retrieved text the answer was generated from, as given to the generator.")
    citations: list[str] = Field(description="Document ids the answer cites, in the engine's order.")
    prompt_tokens: int = Field(ge=0)
    completion_tokens: int = Field(ge=0)


class QueryResponse(BaseModel):
    request_id: str
    answer: str
    citations: list[Citation]
    sources: list[Source]
    latency_ms: Latency
    detail: QueryDetail | None = Field(None, description="Present when the request asked for it.")


class ChatRequest(QuestionRequest):
    """One turn of a conversation: no ``conversation_id`` starts a new one, whose id the answer carries."""

    conversation_id: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-]{32}$",
        description="The id a previous /v1/chat answer returned; omit it to start a conversation.",
    )


class ChatLatency(Latency):
    condense: float = Field(description="Milliseconds making the question standalone from the history.")
    session: float = Field(description="Milliseconds reading and appending the conversation in its store.")


class ChatResponse(BaseModel):
    conversation_id: str = Field(description="Send it with the next question to continue this conversation.")
    turn: int = Field(description="This turn's number in the conversation, from 1.")
    request_id: str
    question: str = Field(description="The question as asked.")
    standalone_question: str = Field(description="The question made standalone from the history: what was answered.")
    carried: bool = Field(description="Whether the history changed the question.")
    answer: str
    citations: list[Citation]
    sources: list[Source]
    latency_ms: ChatLatency


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=200)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT_CHARS)


class FeedbackResponse(BaseModel):
    request_id: str
    stored: bool


class About(BaseModel):
    """What the chat page needs to know of the service before its first question (GET /about)."""

    app: str | None = Field(description="The app served; null until the index is loaded.")
    release: str | None = Field(description="The release id from release.json, when the service has one.")
    environment: str | None = Field(description="The environment the release was promoted to.")
    ready: bool
    detail: str | None = Field(description="Why the service is not ready, in plain words.")
    conversations: bool = Field(description="Whether POST /v1/chat is enabled (a conversation store is configured).")
    feedback: bool = Field(description="Whether POST /v1/feedback is enabled.")
    comments: bool = Field(description="Whether a comment given with feedback is kept (--feedback-text).")
    auth: bool = Field(description="Whether /v1/* needs a bearer token.")
    max_question_chars: int


class Status(BaseModel):
    status: str
    detail: str | None = None


class ReleaseIndex(BaseModel):
    model_config = ConfigDict(extra="allow")

    uri: str = ""
    digest: str = ""
    index_id: str = ""


class ReleaseEvaluation(BaseModel):
    model_config = ConfigDict(extra="allow")

    run_id: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)
    gate: str = ""


class ReleaseManifest(BaseModel):
    """``release.json`` as promotion writes it (schema_version 1); unknown fields are kept, not refused."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = 1
    app: str
    environment: str = ""
    release_id: str
    created_at: datetime | None = None
    commit: str = ""
    config_hash: str = ""
    corpus_hash: str = ""
    testset_hashes: dict[str, str] = Field(default_factory=dict)
    index: ReleaseIndex = Field(default_factory=ReleaseIndex)
    image: str | None = None
    evaluation: ReleaseEvaluation = Field(default_factory=ReleaseEvaluation)
