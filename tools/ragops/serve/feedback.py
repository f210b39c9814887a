"""Feedback storage: what each request was asked and answered, and the ratings users give, on disk and bounded.

Two kinds of JSONL file under the feedback folder:

- ``requests.jsonl`` — one line per answered query (request id, time, answer, retrieved documents, and the
  question only when the service keeps question text: ``ragops.serve.kept_text``),
  so feedback can name its request by id, even after a restart. Past ``max_request_log_bytes`` it is renamed to
  ``requests.1.jsonl`` (replacing the previous one) and a new file starts.
- ``feedback.jsonl`` — one line per ``POST /v1/feedback``, fsynced before the service answers, holding the rating,
  the comment (when kept), and a copy of the request's record, so a feedback line is complete on its own. One
  rating per request counts (the last one wins). Past ``max_feedback_bytes`` the file is compacted to the last
  rating of each request (written aside, then renamed over); when that is still more than half the cap it becomes
  ``feedback.1.jsonl`` (replacing the previous one). The folder therefore never holds more than about
  2 × (request cap + feedback cap): a flood of ratings cannot fill the pod's disk.

Request ids are found through an in-memory index (id → offset and length of its line), never by scanning the log:
an unknown id costs a ``stat``. The index tails the files, so ids written by other worker processes are found
too, reading only what was appended since the last look. Lines are read as bytes: a torn or undecodable line (a
crash mid-write, a damaged byte) is skipped and counted, never an error.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ragops.files import write_atomic

REQUESTS = "requests.jsonl"
REQUESTS_PREVIOUS = "requests.1.jsonl"
FEEDBACK = "feedback.jsonl"
FEEDBACK_PREVIOUS = "feedback.1.jsonl"
_LOCK = ".feedback.lock"  # serialises feedback appends and compaction across worker processes
DEFAULT_MAX_REQUEST_LOG_BYTES = 64 << 20
DEFAULT_MAX_FEEDBACK_BYTES = 64 << 20


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


@dataclass
class Skipped:
    """Lines that were not a complete JSON object (torn by a crash, or damaged), counted as they are skipped."""

    lines: int = 0


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _parse(line: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(line)  # bytes: undecodable UTF-8 is a ValueError like bad JSON
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _lines_from(path: Path, start: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for each line of ``path`` from byte ``start``; a last line without its newline is left out
    (it may still be being written)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        handle.seek(start)
        offset = start
        for line in handle:
            if not line.endswith(b"\n"):
                return
            yield offset, line
            offset += len(line)


def read_jsonl(path: Path, skipped: Skipped | None = None) -> Iterator[dict[str, Any]]:
    """The complete JSON objects in ``path``; torn or undecodable lines are skipped (and counted in ``skipped``)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            value = _parse(line)
            if value is None:
                if skipped is not None and line.strip():
                    skipped.lines += 1
                continue
            yield value


def read_feedback(folder: Path, skipped: Skipped | None = None) -> Iterator[dict[str, Any]]:
    """Every stored rating line, oldest first (the rotated file, then the current one)."""
    for name in (FEEDBACK_PREVIOUS, FEEDBACK):
        yield from read_jsonl(folder / name, skipped)


@dataclass
class _Tail:
    """What the index knows of one request log file: which file (inode), how far it has read, the ids in it."""

    inode: int = -1
    position: int = 0
    ids: dict[str, tuple[int, int]] = field(default_factory=dict)  # request id → (offset, length)


class FeedbackStore:
    def __init__(
        self,
        folder: Path,
        max_request_log_bytes: int = DEFAULT_MAX_REQUEST_LOG_BYTES,
        max_feedback_bytes: int = DEFAULT_MAX_FEEDBACK_BYTES,
    ) -> None:
        self.folder = folder
        self.max_request_log_bytes = max_request_log_bytes
        self.max_feedback_bytes = max_feedback_bytes
        self.skipped = Skipped()
        # Two locks: recording a request never waits for a rating's fsync.
        self._requests_lock = threading.Lock()
        self._feedback_lock = threading.Lock()
        self._tails = {REQUESTS_PREVIOUS: _Tail(), REQUESTS: _Tail()}
        folder.mkdir(parents=True, exist_ok=True)
        with self._requests_lock:
            self._catch_up()

    # The request log and its index.

    def _catch_up(self) -> None:
        """Index what was appended to the request logs since the last look (by any process); caller holds the lock."""
        for name, tail in self._tails.items():
            try:
                inode = (self.folder / name).stat().st_ino
            except FileNotFoundError:
                tail.inode, tail.position, tail.ids = -1, 0, {}
                continue
            if inode != tail.inode:  # rotated (by us or another worker): read this file afresh
                tail.inode, tail.position, tail.ids = inode, 0, {}
            for offset, line in _lines_from(self.folder / name, tail.position):
                tail.position = offset + len(line)
                record = _parse(line)
                if record is None:
                    self.skipped.lines += 1
                elif isinstance(record.get("request_id"), str):
                    tail.ids[record["request_id"]] = (offset, len(line))

    def record_request(self, record: RequestRecord) -> None:
        """Append one answered request (not fsynced: losing the last ones in a crash only makes feedback on them a
        404). Blocking file I/O: call it off the event loop."""
        line = (json.dumps(asdict(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        log = self.folder / REQUESTS
        with self._requests_lock:
            try:
                if log.stat().st_size >= self.max_request_log_bytes:
                    log.replace(self.folder / REQUESTS_PREVIOUS)
            except FileNotFoundError:
                pass
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
                # O_APPEND wrote at the end, whatever other workers appended: our line ends where we are now.
                end = os.lseek(fd, 0, os.SEEK_CUR)
                inode = os.fstat(fd).st_ino
            finally:
                os.close(fd)
            tail = self._tails[REQUESTS]
            if tail.inode != inode:
                self._catch_up()
            tail.ids[record.request_id] = (end - len(line), len(line))

    def _read_at(self, name: str, offset: int, length: int, request_id: str) -> dict[str, Any] | None:
        try:
            with (self.folder / name).open("rb") as handle:
                handle.seek(offset)
                record = _parse(handle.read(length))
        except FileNotFoundError:
            return None
        return record if record is not None and record.get("request_id") == request_id else None

    def _lookup(self, request_id: str) -> dict[str, Any] | None:
        for name in (REQUESTS, REQUESTS_PREVIOUS):
            where = self._tails[name].ids.get(request_id)
            if where is not None:
                return self._read_at(name, *where, request_id)
        return None

    def find_request(self, request_id: str) -> dict[str, Any] | None:
        """The request's record, or None when no request log (of any worker) holds the id."""
        with self._requests_lock:
            found = self._lookup(request_id)
            if found is None:
                self._catch_up()  # written by another worker, or rotated: costs only what is new
                found = self._lookup(request_id)
        return found

    # Ratings.

    def add_feedback(self, request_id: str, rating: str, comment: str | None) -> bool:
        """Store one rating durably; False when the request id is unknown (nothing is stored then). Blocking file
        I/O and an fsync: call it off the event loop."""
        request = self.find_request(request_id)
        if request is None:
            return False
        line = {"time": _now(), "request_id": request_id, "rating": rating, "comment": comment, "request": request}
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        with self._feedback_lock, (self.folder / _LOCK).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            fd = os.open(self.folder / FEEDBACK, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, data)
                os.fsync(fd)
                size = os.fstat(fd).st_size
            finally:
                os.close(fd)
            if size > self.max_feedback_bytes:
                self._compact()
        return True

    def _compact(self) -> None:
        """Keep the last rating of each request; rotate when that is still over half the cap. Caller holds the locks."""
        path = self.folder / FEEDBACK
        latest: dict[str, bytes] = {}
        for _, line in _lines_from(path, 0):
            record = _parse(line)
            if record is None or not isinstance(record.get("request_id"), str):
                continue
            latest.pop(record["request_id"], None)  # re-inserted: the order follows the latest rating
            latest[record["request_id"]] = line
        kept = b"".join(latest.values())
        if len(kept) > self.max_feedback_bytes // 2:
            path.replace(self.folder / FEEDBACK_PREVIOUS)
            return
        write_atomic(path, kept)

    def feedback(self) -> Iterator[dict[str, Any]]:
        yield from read_feedback(self.folder, self.skipped)
