"""Bearer tokens from a file — a mounted Kubernetes Secret — checked in constant time, re-read when it changes.

The file holds one token a line; blank lines and lines starting with ``#`` are ignored. Several tokens are valid at
once, which is how a token is rotated: add the new one, move the clients over, remove the old one. Kubernetes
updates a mounted Secret in place (an atomic symlink swap), so the file is checked for changes at most once a
second and re-read: a rotation needs no restart. A file that cannot be read at that moment keeps the tokens read
before (the swap is atomic, so this is a transient); one that holds no token admits nobody.

A presented token is compared with every known one, each through SHA-256 digests of equal length with
:func:`hmac.compare_digest`, never stopping at the first match: the time taken says nothing about which token, or
how much of one, was right. A client is identified by ``token-`` and the first 12 hex digits of its token's digest,
never by the token itself.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from pathlib import Path

from ragops.errors import UsageError

_CHECK_EVERY_S = 1.0


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def client_id(digest: bytes) -> str:
    return "token-" + digest.hex()[:12]


def read_tokens(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


class TokenFile:
    def __init__(self, path: Path, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        try:
            tokens = read_tokens(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise UsageError(f"cannot read the bearer tokens file {path}: {reason}") from None
        if not tokens:
            raise UsageError(f"the bearer tokens file {path} holds no token: write one token a line")
        self._digests = [_digest(t) for t in tokens]
        self._signature = self._stat()
        self._checked = clock()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            found = self.path.stat()
        except OSError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def _refresh(self) -> None:
        now = self.clock()
        with self._lock:
            if now - self._checked < _CHECK_EVERY_S:
                return
            self._checked = now
            signature = self._stat()
            if signature is None or signature == self._signature:
                return
            try:
                tokens = read_tokens(self.path)
            except (OSError, UnicodeDecodeError):
                return
            self._digests = [_digest(t) for t in tokens]
            self._signature = signature

    def identify(self, presented: str) -> str | None:
        """The client id of a valid token, None for any other string."""
        self._refresh()
        offered = _digest(presented)
        matched: bytes | None = None
        for known in self._digests:
            if hmac.compare_digest(offered, known):
                matched = known
        return client_id(matched) if matched is not None else None
