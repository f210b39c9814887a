"""Opening the service's conversation store from its settings: the Redis client, with the password read from
its file. Kept apart from the store itself so the store never reads files and the app never builds clients."""

from __future__ import annotations

from ragops.errors import UsageError
from ragops.serve.conversations import ConversationStore
from ragops.serve.loading import load_serving_config
from ragops.serve.settings import ServeSettings


def read_password(settings: ServeSettings) -> str | None:
    path = settings.conversations.redis_password_file
    if path is None:
        return None
    try:
        password = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"cannot read the Redis password file {path}: {reason}") from None
    if not password:
        raise UsageError(f"the Redis password file {path} is empty")
    return password


def open_store(settings: ServeSettings) -> ConversationStore | None:
    """The store ``settings`` configure, or None when conversations are off. Keys are namespaced by the app's name,
    so apps may share one Redis."""
    if not settings.conversations.enabled:
        return None
    app, _ = load_serving_config(settings.config)
    return ConversationStore(settings.conversations, app.name, read_password(settings))
