"""JSON log lines for the service: one object per line on stderr, with the request id when there is one.

Standard-library logging with a JSON formatter, kept in this one module so it can move to the project-wide
logger (``ragops.logs``) without touching the rest of the service. Fields given with ``extra={"fields": {...}}``
are merged into the line.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from ragops import logs

LOGGER_NAME = "ragops.serve"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        # The context bound with ragops.logs (a request's trace_id and span_id): on every line written in it.
        line.update(logs.context())
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(level: str = "info") -> logging.Logger:
    """Send the service's and uvicorn's logs to stderr as JSON lines (uvicorn's own access log is replaced)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in (LOGGER_NAME, "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level.upper())
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
    return logging.getLogger(LOGGER_NAME)


def get_logger() -> logging.Logger:
    return logging.getLogger(LOGGER_NAME)


def log(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    logger.log(level, event, extra={"fields": fields})
