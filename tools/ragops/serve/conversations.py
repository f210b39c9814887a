"""Conversation state in Redis, shared by every replica of the service: any replica can answer any turn.

Each conversation is two keys, ``ragops:chat:<app>:{<id>}:turns`` (a list of JSON turns, oldest first) and
``…:count`` (turns ever appended, which numbers them); the ``{<id>}`` hash tag keeps both in one Redis Cluster slot.
Appending is one Lua script, so it is atomic: two turns of one conversation arriving at once are both kept, in some
order, each with its own number — never one overwriting the other. The same script bounds the history (at most
``max_turns`` turns and ``max_chars`` characters of questions and answers, oldest dropped first, the newest turn
always kept) and refreshes the time to live of both keys, so a conversation expires ``ttl_s`` after its last turn.

Ids are 32 URL-safe characters from :func:`secrets.token_urlsafe` (192 random bits): a conversation can only be
continued by whoever was told its id. Any Redis failure (unreachable, timeout, refused password) is a
:class:`StoreUnavailable`, which ``/v1/chat`` answers with 503 — ``/v1/query`` and ``/readyz`` do not use Redis.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from ragops.config.testset import PriorTurn
from ragops.serve.conversation_settings import ConversationSettings

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEY_PREFIX = "ragops:chat"

# KEYS: turns list, counter. ARGV: turn JSON, must the conversation exist (1/0), max turns, max chars, ttl seconds.
# Returns the new turn's number, or -1 when the conversation should exist and does not (it expired meanwhile).
_APPEND = """
if ARGV[2] == '1' and redis.call('EXISTS', KEYS[2]) == 0 then
  return -1
end
local number = redis.call('INCR', KEYS[2])
local turn = cjson.decode(ARGV[1])
turn['turn'] = number
redis.call('RPUSH', KEYS[1], cjson.encode(turn))
local max_turns = tonumber(ARGV[3])
local max_chars = tonumber(ARGV[4])
local excess = redis.call('LLEN', KEYS[1]) - max_turns
if excess > 0 then
  redis.call('LTRIM', KEYS[1], excess, -1)
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local sizes = {}
local total = 0
for i, item in ipairs(items) do
  sizes[i] = cjson.decode(item)['chars']
  total = total + sizes[i]
end
local drop = 0
while total > max_chars and drop < #items - 1 do
  drop = drop + 1
  total = total - sizes[drop]
end
if drop > 0 then
  redis.call('LTRIM', KEYS[1], drop, -1)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return number
"""


class StoreUnavailable(Exception):
    """Redis could not be used: unreachable, too slow, or it refused the password."""


class UnknownConversation(Exception):
    """No conversation has that id: it never existed, or it expired."""


def new_conversation_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class StoredTurn:
    """One turn as kept in Redis; ``turn`` is assigned by the store when it is appended."""

    question: str
    standalone_question: str
    answer: str
    cited_doc_ids: list[str] = field(default_factory=list)
    request_id: str = ""
    time: str = ""
    turn: int = 0

    @property
    def chars(self) -> int:
        return len(self.question) + len(self.answer)

    def as_prior(self) -> PriorTurn:
        return PriorTurn(question=self.question, answer=self.answer)

    @classmethod
    def from_json(cls, text: str | bytes) -> StoredTurn:
        data: dict[str, Any] = json.loads(text)
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


class ConversationStore:
    def __init__(self, settings: ConversationSettings, app: str, password: str | None = None) -> None:
        if settings.redis_url is None:
            raise ValueError("no Redis URL: conversations are off")
        self.settings = settings
        self.app = app
        # One attempt, bounded by the timeout: a request waits at most about twice timeout_s for a dead Redis.
        self.client = aioredis.Redis.from_url(
            settings.redis_url,
            password=password,
            socket_timeout=settings.timeout_s,
            socket_connect_timeout=settings.timeout_s,
            retry=Retry(NoBackoff(), 1),
            health_check_interval=30,
        )
        self._append = self.client.register_script(_APPEND)

    def _keys(self, conversation_id: str) -> tuple[str, str]:
        base = f"{KEY_PREFIX}:{self.app}:{{{conversation_id}}}"
        return f"{base}:turns", f"{base}:count"

    async def history(self, conversation_id: str, last: int | None = None) -> list[StoredTurn]:
        """The turns kept for a conversation (only the ``last`` ones when given), oldest first;
        :class:`UnknownConversation` when there is none."""
        turns, _ = self._keys(conversation_id)
        try:
            items = await self.client.lrange(turns, -last if last else 0, -1)
        except RedisError as exc:
            raise StoreUnavailable(_describe(exc)) from exc
        if not items:  # the list never stands empty: a conversation is created with its first turn
            raise UnknownConversation(conversation_id)
        return [StoredTurn.from_json(item) for item in items]

    async def append(self, conversation_id: str, turn: StoredTurn, *, new: bool) -> int:
        """Append one turn atomically; returns its number in the conversation. ``new``: the conversation is being
        started by this turn (otherwise it must still exist: :class:`UnknownConversation` if it expired)."""
        record = {**asdict(turn), "chars": turn.chars}
        record.pop("turn")
        s = self.settings
        try:
            number = await self._append(
                keys=list(self._keys(conversation_id)),
                args=[json.dumps(record, ensure_ascii=False), "0" if new else "1", s.max_turns, s.max_chars, s.ttl_s],
            )
        except RedisError as exc:
            raise StoreUnavailable(_describe(exc)) from exc
        if int(number) < 0:
            raise UnknownConversation(conversation_id)
        return int(number)

    async def close(self) -> None:
        await self.client.aclose()


def _describe(exc: RedisError) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
