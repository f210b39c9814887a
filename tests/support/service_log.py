"""The service's log lines as ``ragops serve`` writes them (``ragops.logs`` in JSON mode), captured for a test."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr
from typing import Any

from ragops import logs


class CapturedLog:
    def __init__(self) -> None:
        self.buffer = io.StringIO()

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def events(self, event: str, **fields: Any) -> list[dict[str, Any]]:
        """The lines of ``event`` whose fields include ``fields``."""
        lines = [json.loads(line) for line in self.text.splitlines()]
        return [line for line in lines if line["event"] == event and all(line.get(k) == v for k, v in fields.items())]


@contextmanager
def captured_log() -> Iterator[CapturedLog]:
    """Everything logged in this context, as JSON lines of the one schema (stderr is redirected into it)."""
    captured = CapturedLog()
    with redirect_stderr(captured.buffer), logs.session("json"):
        yield captured
