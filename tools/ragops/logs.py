"""One logger for ragops (structlog), rendered as human text or as one JSON object per line, always on stderr:
the CLI, the pipeline's steps and the service (``ragops serve``, always JSON) all log through it, with one schema
(``docs/structure-and-new-apps.md``, "Logs"; ``tests/unit/test_logs.py`` holds every producer to it).

``configure(format, level)`` sets it up once per process (``session`` does the same and undoes it afterwards, as
the CLI and tests need); ``get_logger(name)`` gives a logger. Fields every event carries: ``bind(run_id=…,
app=…)`` for the whole process (a CLI command; also seen from threads, which KFP's runner calls back from), and
``bound(request_id=…, step=…)`` for a context (a service request, a task), which wins over the process fields.

An event may carry a ``message``: the human line that text mode prints as is (so text mode shows exactly what
ragops always printed), while JSON mode keeps it as one field among the others. ``message=None`` marks an event
for machines only (durations, metrics): JSON mode writes it, text mode does not. Other events are printed in
text mode as ``ragops: LEVEL: event (key=value …)``.

In JSON mode every line on stderr is a JSON object: the standard library's logging (KFP, DVC, …) and warnings
are rendered by the same processors, and anything else written to ``sys.stderr`` by a library (a stray
``print``, transformers' own handler) is wrapped into a JSON event line by line.

Text mode also owns the terminal's *status line* (the live progress bar, see ``ragops.progress``): a log line
printed while a status line is open starts on a fresh line instead of overwriting it.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from ragops import log_lines

FORMATS = ("text", "json")
FORMAT_ENV = "RAGOPS_LOG_FORMAT"
LEVEL_ENV = "RAGOPS_LOG_LEVEL"
# Fields that text mode leaves out of an event without a message: the context every event carries anyway.
_CONTEXT_FIELDS = ("timestamp", "level", "logger", "run_id", "command", "app", "step", "event")


@dataclass
class _State:
    format: str = "text"
    stream: TextIO | None = None  # the real stderr, bound when configured
    status_open: bool = False  # a live status line is on the terminal, not yet ended by a newline
    fields: dict[str, Any] = field(default_factory=dict)  # bound for the whole process


_state = _State()
_write_lock = threading.Lock()


def format_from_env(default: str = "text") -> str:
    """The log format named by ``RAGOPS_LOG_FORMAT`` (``text`` or ``json``), or ``default``."""
    value = os.environ.get(FORMAT_ENV, "").strip().lower()
    return value if value in FORMATS else default


def current_format() -> str:
    return _state.format


def new_run_id() -> str:
    """A short random id that ties together every event of one command (or one service request)."""
    return uuid.uuid4().hex[:12]


def get_logger(name: str) -> Any:
    """A structlog logger whose events carry ``logger=name``; usable before ``configure`` is called."""
    # An initial value rather than .bind(), which would fix the configuration in force at import time; named
    # ``logger_name`` because ``logger`` is a parameter of structlog's factory (renamed when rendered).
    return structlog.get_logger(logger_name=name)


def bind(**fields: Any) -> None:
    """Add ``fields`` (run_id, app, …) to every event this process logs from now on, on every thread."""
    _state.fields.update(fields)


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add ``fields`` (a request id, a step, …) to every event logged in this context (this thread or task)."""
    with structlog.contextvars.bound_contextvars(**fields):
        yield


def context() -> dict[str, Any]:
    """Every field bound now, process-wide and in this context."""
    return {**_state.fields, **structlog.contextvars.get_contextvars()}


def _merge_bound(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    if "logger_name" in event:
        event["logger"] = event.pop("logger_name")
    for key, value in context().items():
        event.setdefault(key, value)
    return event


def _text_line(_: WrappedLogger, method: str, event: EventDict) -> str:
    if "message" in event and event["message"] is None:
        raise structlog.DropEvent  # for machines only
    message = event.get("message")
    if message is None:
        extra = " ".join(f"{k}={v}" for k, v in event.items() if k not in _CONTEXT_FIELDS)
        level = event.get("level", method)
        message = f"ragops: {level}: {event.get('event', '')}" + (f" ({extra})" if extra else "")
    line = str(message)
    if _state.status_open:
        # The live progress line is still open: end it rather than writing over it.
        _state.status_open = False
        line = "\n" + line
    return line


def _json_line(_: WrappedLogger, __: str, event: EventDict) -> str:
    if event.get("message", "") is None:
        del event["message"]
    elif isinstance(event.get("message"), str):
        event["message"] = event["message"].strip()
    return log_lines.render(event)


def _drop_stdlib_extras(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.pop("_record", None)
    event.pop("_from_structlog", None)
    return event


def _shared_processors() -> list[Processor]:
    return [
        _merge_bound,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        # log.exception(…): the traceback as one "exception" field, not a second line.
        structlog.processors.format_exc_info,
    ]


class _StreamLogger:
    """structlog's final logger: writes a rendered line to the stream bound at ``configure`` time, under a lock
    (KFP runs tasks on threads), so sys.stderr redirections that come later do not swallow it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def msg(self, line: str) -> None:
        with _write_lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    debug = info = warning = warn = error = critical = exception = fatal = log = msg


class _JsonLines(io.TextIOBase):
    """``sys.stderr`` in JSON mode: passes JSON lines through and wraps every other line into a JSON event."""

    def __init__(self, target: TextIO) -> None:
        super().__init__()
        self.target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        self._pending += text.replace("\r", "\n")
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def _emit(self, line: str) -> None:
        if not line.strip():
            return
        stripped = line.strip()
        if not (stripped.startswith("{") and _is_json_object(stripped)):
            stripped = log_lines.event_line("stderr", logger="stderr", level="warning", **context(), message=line)
        with _write_lock:
            self.target.write(stripped + "\n")
            self.target.flush()

    def close_pending(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def _level_number(level: str | int) -> int:
    if isinstance(level, int):
        return level
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}: use debug, info, warning or error")
    return number


def configure(
    format: str = "text", level: str | int = "info", stream: TextIO | None = None, info_loggers: Sequence[str] = ()
) -> None:
    """Set up ragops' logging for this process: ``format`` is ``text`` or ``json``; events below ``level`` are
    dropped. Output goes to ``stream`` (default: the current ``sys.stderr``). Other libraries' standard-library
    records are kept from WARNING up, except those of ``info_loggers`` (uvicorn's, in the service), kept from
    ``level``."""
    if format not in FORMATS:
        raise ValueError(f"unknown log format {format!r}: use one of {', '.join(FORMATS)}")
    if isinstance(sys.stderr, _JsonLines):  # configured before (tests, the service reloading)
        sys.stderr.close_pending()
        sys.stderr = sys.stderr.target
    target = stream or sys.stderr
    _state.format, _state.stream, _state.status_open = format, target, False
    threshold = _level_number(level)
    renderer: Processor = _json_line if format == "json" else _text_line
    structlog.configure(
        processors=[*_shared_processors(), renderer],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=lambda *_: _StreamLogger(target),
        cache_logger_on_first_use=False,
    )
    if format == "json":
        _route_stdlib_logging(target, max(threshold, logging.WARNING), {name: threshold for name in info_loggers})
        logging.captureWarnings(True)
        sys.stderr = _JsonLines(target)


def _route_stdlib_logging(target: TextIO, level: int, levels: Mapping[str, int]) -> None:
    """Standard-library records (KFP, DVC, transformers, warnings) become JSON events on ``target``; libraries
    that log to their own handlers are pointed at the root logger instead."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name],
        processors=[_drop_stdlib_extras, _json_line],
    )
    handler = logging.StreamHandler(target)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name in ("transformers", "sentence_transformers", "dvc", "kfp", "urllib3", "httpx"):
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True
    for name, named_level in levels.items():
        # Below the root's level: these keep the handler themselves rather than propagate.
        library = logging.getLogger(name)
        library.handlers = [handler]
        library.setLevel(named_level)
        library.propagate = False


@dataclass
class _Saved:
    format: str
    stream: TextIO | None
    stderr: TextIO
    structlog_config: Mapping[str, Any]
    root_handlers: list[logging.Handler]
    root_level: int


@contextlib.contextmanager
def session(format: str = "text", level: str | int = "info", **fields: Any) -> Iterator[None]:
    """``configure`` for the duration of a command, with ``fields`` bound process-wide; everything is restored
    afterwards."""
    root = logging.getLogger()
    saved = _Saved(
        _state.format,
        _state.stream,
        sys.stderr,
        structlog.get_config(),
        list(root.handlers),
        root.level,
    )
    saved_fields = dict(_state.fields)
    configure(format, level)
    _state.fields = dict(fields)
    try:
        yield
    finally:
        end_status_line()
        if isinstance(sys.stderr, _JsonLines):
            sys.stderr.close_pending()
        sys.stderr = saved.stderr
        logging.captureWarnings(False)
        root.handlers = saved.root_handlers
        root.setLevel(saved.root_level)
        structlog.configure(**saved.structlog_config)
        _state.format, _state.stream, _state.status_open = saved.format, saved.stream, False
        _state.fields = saved_fields


def write_status(text: str, *, final: bool) -> None:
    """Draw ``text`` as the live status line (text mode on a terminal); ``final`` ends it with a newline."""
    stream = _state.stream or sys.stderr
    with _write_lock:
        stream.write("\r" + text + "\x1b[K" + ("\n" if final else ""))
        stream.flush()
        _state.status_open = not final


def end_status_line() -> None:
    """End an open status line, so what follows starts on its own line."""
    if _state.status_open:
        stream = _state.stream or sys.stderr
        with _write_lock:
            stream.write("\n")
            stream.flush()
            _state.status_open = False
