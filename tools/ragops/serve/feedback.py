"""Feedback storage: what each request was asked and answered, and the ratings users give, append-only on disk.

Two JSONL files under the feedback folder:

- ``requests.jsonl`` — one line per answered query (request id, time, answer, retrieved documents, and the
  question only when the service keeps question text: ``ragops.serve.kept_text``),
  so feedback can name its request by id, even after a restart. It is bounded: past ``max_request_log_bytes`` it
  is renamed to ``requests.1.jsonl`` (replacing the previous one) and a new file starts.
- ``feedback.jsonl`` — one line per ``POST /v1/feedback``, fsynced before the service answers, holding the rating,
  the comment (when kept), and a copy of the request's record, so a feedback line is complete on its own.

Lines are written whole with one ``write`` on a file opened for appending; a line cut short by a crash is
skipped when reading.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REQUESTS = "requests.jsonl"
REQUESTS_PREVIOUS = "requests.1.jsonl"
FEEDBACK = "feedback.jsonl"
_RECENT = 10_000  # request records kept in memory for quick lookups


@dataclass(frozen=True)
class RequestRecord:
    request_id: str
    time: str
    question: str | None  # None unless the service keeps question text (--feedback-text)
    answer: str
    retrieved_doc_ids: list[str]
    cited_doc_ids: list[str]
    sources: list[dict[str, Any]]
    release: str | None = None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The complete JSON objects in ``path`` (a torn last line from a crash is skipped)."""
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                yield value


class FeedbackStore:
    def __init__(self, folder: Path, max_request_log_bytes: int = 64 << 20) -> None:
        self.folder = folder
        self.max_request_log_bytes = max_request_log_bytes
        self._recent: OrderedDict[str, RequestRecord] = OrderedDict()
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)

    def _append(self, name: str, record: dict[str, Any], durable: bool) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        fd = os.open(self.folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)

    def record_request(self, record: RequestRecord) -> None:
        with self._lock:
            self._recent[record.request_id] = record
            while len(self._recent) > _RECENT:
                self._recent.popitem(last=False)
            log = self.folder / REQUESTS
            try:
                if log.stat().st_size >= self.max_request_log_bytes:
                    log.replace(self.folder / REQUESTS_PREVIOUS)
            except FileNotFoundError:
                pass
            # Not fsynced: losing the last requests in a crash only makes feedback on them a 404.
            self._append(REQUESTS, asdict(record), durable=False)

    def find_request(self, request_id: str) -> dict[str, Any] | None:
        with self._lock:
            recent = self._recent.get(request_id)
        if recent is not None:
            return asdict(recent)
        found = None
        for name in (REQUESTS_PREVIOUS, REQUESTS):
            for line in read_jsonl(self.folder / name):
                if line.get("request_id") == request_id:
                    found = line
        return found

    def add_feedback(self, request_id: str, rating: str, comment: str | None) -> bool:
        """Store one rating durably; False when the request id is unknown (nothing is stored then)."""
        request = self.find_request(request_id)
        if request is None:
            return False
        line = {"time": _now(), "request_id": request_id, "rating": rating, "comment": comment, "request": request}
        with self._lock:
            self._append(FEEDBACK, line, durable=True)
        return True

    def feedback(self) -> Iterator[dict[str, Any]]:
        yield from read_jsonl(self.folder / FEEDBACK)
