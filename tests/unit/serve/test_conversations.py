"""The conversation store against a real redis-server on loopback: atomic appends, bounds, expiry, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from ragops.serve.conversation_settings import ConversationSettings
from ragops.serve.conversations import (
    ID_PATTERN,
    ConversationStore,
    StoredTurn,
    StoreUnavailable,
    UnknownConversation,
    new_conversation_id,
)
from tests.support.redis_server import RedisServer, running_redis

PASSWORD = "s3cret-for-tests"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with running_redis(tmp_path_factory.mktemp("redis"), PASSWORD) as running:
        yield running


def _store(server: RedisServer, **settings: object) -> ConversationStore:
    return ConversationStore(ConversationSettings(redis_url=server.url, **settings), "tiny", PASSWORD)


def _turn(n: int, answer: str = "an answer") -> StoredTurn:
    return StoredTurn(question=f"question {n}?", standalone_question=f"question {n}?", answer=answer)


def test_concurrent_turns_of_one_conversation_are_all_kept(server: RedisServer) -> None:
    async def scenario() -> tuple[list[int], list[StoredTurn]]:
        store = _store(server)
        conversation = new_conversation_id()
        await store.append(conversation, _turn(0), new=True)
        # Twelve turns at once, on twelve connections: an append that read-modified-wrote would lose some.
        numbers = await asyncio.gather(*(store.append(conversation, _turn(n), new=False) for n in range(1, 13)))
        history = await store.history(conversation)
        await store.close()
        return list(numbers), history

    numbers, history = asyncio.run(scenario())
    assert sorted(numbers) == list(range(2, 14))
    assert len(history) == 13
    assert sorted(t.turn for t in history) == list(range(1, 14))
    assert {t.question for t in history} == {f"question {n}?" for n in range(13)}


def test_history_is_bounded_by_turns_and_characters_keeping_the_newest(server: RedisServer) -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        by_turns = _store(server, max_turns=3)
        first = new_conversation_id()
        for n in range(6):
            await by_turns.append(first, _turn(n), new=n == 0)
        by_chars = _store(server, max_chars=100)
        second = new_conversation_id()
        for n in range(4):
            await by_chars.append(second, _turn(n, answer="x" * 40), new=n == 0)  # 51 characters a turn
        kept = [t.turn for t in await by_turns.history(first)], [t.turn for t in await by_chars.history(second)]
        huge = new_conversation_id()
        await by_chars.append(huge, _turn(0, answer="y" * 500), new=True)  # the newest turn is always kept
        assert [t.turn for t in await by_chars.history(huge)] == [1]
        await by_turns.close()
        await by_chars.close()
        return kept

    turns, chars = asyncio.run(scenario())
    assert turns == [4, 5, 6]
    assert chars == [4]  # 2 turns would be 102 characters


def test_a_conversation_expires_after_its_last_turn(server: RedisServer) -> None:
    async def scenario() -> None:
        store = _store(server, ttl_s=1)
        conversation = new_conversation_id()
        await store.append(conversation, _turn(0), new=True)
        ttl = server.client().ttl(f"ragops:chat:tiny:{{{conversation}}}:turns")
        assert 0 < ttl <= 1
        await asyncio.sleep(1.6)
        with pytest.raises(UnknownConversation):
            await store.history(conversation)
        with pytest.raises(UnknownConversation):  # an expired conversation is not silently restarted
            await store.append(conversation, _turn(1), new=False)
        await store.close()

    asyncio.run(scenario())


def test_ids_are_unguessable_and_apps_do_not_share_conversations(server: RedisServer) -> None:
    ids = {new_conversation_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(ID_PATTERN.match(i) for i in ids)

    async def scenario() -> None:
        tiny = _store(server)
        other = ConversationStore(ConversationSettings(redis_url=server.url), "other", PASSWORD)
        conversation = new_conversation_id()
        await tiny.append(conversation, _turn(0), new=True)
        with pytest.raises(UnknownConversation):
            await other.history(conversation)
        await tiny.close()
        await other.close()

    asyncio.run(scenario())


def test_an_unreachable_or_refusing_redis_is_store_unavailable(server: RedisServer, tmp_path: Path) -> None:
    async def scenario() -> None:
        wrong_password = ConversationStore(ConversationSettings(redis_url=server.url), "tiny", "wrong")
        with pytest.raises(StoreUnavailable, match=r"(?i)auth|password"):
            await wrong_password.history(new_conversation_id())
        await wrong_password.close()
        down = RedisServer(tmp_path / "down")  # never started: nothing listens on its port
        store = ConversationStore(ConversationSettings(redis_url=down.url, timeout_s=0.5), "tiny")
        with pytest.raises(StoreUnavailable):
            await store.append(new_conversation_id(), _turn(0), new=True)
        await store.close()

    asyncio.run(scenario())


def test_a_redis_url_must_say_redis() -> None:
    with pytest.raises(ValueError, match="redis://"):
        ConversationSettings(redis_url="http://127.0.0.1:6379")


def test_history_can_be_read_from_the_end(server: RedisServer) -> None:
    async def scenario() -> list[int]:
        store = _store(server)
        conversation = new_conversation_id()
        for n in range(7):
            await store.append(conversation, _turn(n), new=n == 0)
        last = [t.turn for t in await store.history(conversation, last=3)]
        await store.close()
        return last

    assert asyncio.run(scenario()) == [5, 6, 7]
