"""The log schema as JSON lines: which fields every line carries and in what order, and one line rendered.

``ragops.logs`` renders every JSON event through :func:`render`; processes that write a line without a configured
logger (a pipeline step's progress on stdout) use :func:`event_line`. Kept apart from ``ragops.logs`` because
that imports structlog, which would add most of a second to the start of every pipeline step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Every line carries these.
REQUIRED_FIELDS = ("timestamp", "level", "event", "logger")
# Written first, in this order, so lines read alike.
FIRST_FIELDS = ("timestamp", "level", "event", "run_id", "command", "app", "step", "request_id", "logger")


def timestamp() -> str:
    """Now, in UTC, ISO 8601 with microseconds and ``Z``: the format of every line's ``timestamp``."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def render(event: Mapping[str, Any]) -> str:
    """One JSON line: the first fields in their order, then the rest as given."""
    rest = dict(event)
    ordered = {key: rest.pop(key) for key in FIRST_FIELDS if key in rest}
    return json.dumps({**ordered, **rest}, default=str, ensure_ascii=False)


def event_line(event: str, *, logger: str, level: str = "info", **fields: Any) -> str:
    """A complete line of the schema for ``event``, stamped now."""
    return render({**fields, "event": event, "logger": logger, "level": level, "timestamp": timestamp()})
