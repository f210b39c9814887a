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


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="The question to answer; not blank.")

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty or only whitespace")
        return value


class Source(BaseModel):
    doc_id: str
    chunk_id: str
    score: float
    start: int = Field(description="Character offset of the chunk in its document.")
    end: int
    cited: bool = Field(description="Whether the answer draws on this source's document.")


class Latency(BaseModel):
    retrieve: float = Field(description="Milliseconds: this question's share of its batch's retrieval.")
    generate: float
    total: float = Field(description="Milliseconds from receiving the request to answering it, queueing included.")


class QueryResponse(BaseModel):
    request_id: str
    answer: str
    sources: list[Source]
    latency_ms: Latency


class ChatRequest(QueryRequest):
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
