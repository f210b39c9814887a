"""Progress of long work (reading, chunking, embedding, answering): one renderer for ``ragops index`` and
``ragops eval``, and the wire format that carries a pipeline step's progress out of its process.

Work reports ``(stage, done, total)``. ``ProgressRenderer`` shows it with rate and time left: a live bar on a
terminal; otherwise (CI logs, ``--log-format json``) one log event when a stage starts, every few seconds, and
when it ends. A pipeline step runs in a process of its own (KFP's local runner streams its output into the
parent, where it goes to ``kfp.log``; a cluster keeps it in the pod's log): there ``StepEmitter`` writes progress
as JSON lines on stdout, and the parent picks them out of the stream (``parse_step_line``) and renders them with
a ``StepProgress``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from ragops.log_lines import event_line

Progress = Callable[[str, int, int], None]  # (stage, done, total)
StepProgressCallback = Callable[[str, str, int, int], None]  # (step, stage, done, total)

# The ``event`` of a progress line written by a pipeline step.
STEP_EVENT = "ragops.progress"
_STAGES = {
    "start": ("starting", ""),
    "wait": ("waiting for another ragops building this index", ""),
    "load": ("reading documents", "documents"),
    "chunk": ("chunking", "documents"),
    "embed": ("embedding chunks", "chunks"),
    "index": ("writing the index", ""),
    "answer": ("answering questions", "questions"),
    "retrieve": ("retrieving", "questions"),
    "generate": ("generating answers", "questions"),
    "factscore": ("checking atomic facts (FActScore)", "answers"),
}
_BAR_WIDTH = 24
_REDRAW_S = 0.1


def _logs() -> Any:
    # Imported on first use: pipeline steps import this module only for StepEmitter, and structlog would add
    # about a second to every step's start.
    from ragops import logs as module

    return module


def describe(stage: str) -> tuple[str, str]:
    """A stage's label and unit, e.g. ``("embedding chunks", "chunks")``."""
    return _STAGES.get(stage, (stage, "items"))


def format_seconds(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest:02d} s"


@dataclass
class _Stage:
    name: str
    started: float
    shown: float  # when it was last shown
    done: int = 0


class ProgressRenderer:
    """A ``Progress`` callback that shows each stage's progress with its rate and the time left.

    ``live`` (default: text logs on a terminal) draws a bar that updates in place; otherwise a log event is
    emitted when a stage starts, every ``interval_s`` and when it ends.
    """

    def __init__(
        self,
        *,
        step: str | None = None,
        indent: str = "",
        interval_s: float = 5.0,
        live: bool | None = None,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        terminal = stream or sys.stderr
        self.live = live if live is not None else _logs().current_format() == "text" and terminal.isatty()
        self.step = step
        self.indent = indent
        self.interval_s = interval_s
        self.clock = clock
        self._stage: _Stage | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        current = self._stage
        if current is None or current.name != stage or done < current.done:
            if current is not None and self.live:
                _logs().end_status_line()
            current = self._stage = _Stage(stage, now, now - self.interval_s)
        current.done = done
        final = done >= total
        due = now - current.shown >= (_REDRAW_S if self.live else self.interval_s)
        if not (final or due):
            return
        current.shown = now
        elapsed = now - current.started
        text = self.indent + self.line(stage, done, total, elapsed)
        if self.live:
            _logs().write_status(text, final=final)
            return
        rate = done / elapsed if elapsed > 0 and done else None
        _logs().get_logger("ragops.progress").info(
            "progress",
            message=text,
            **({"step": self.step} if self.step else {}),
            stage=stage,
            done=done,
            total=total,
            elapsed_s=round(elapsed, 3),
            rate_per_s=round(rate, 3) if rate else None,
            eta_s=round((total - done) / rate, 1) if rate else None,
        )

    def line(self, stage: str, done: int, total: int, elapsed: float) -> str:
        """The progress text, e.g. ``embedding chunks [████░░░░] 1024/2552 chunks · 71.2/s · 21 s left``."""
        label, unit = describe(stage)
        if total <= 1:
            return f"{label}: done ({elapsed:.1f} s)" if done >= total else f"{label} …"
        counts = f"{done}/{total} {unit}".rstrip()
        if self.live:
            filled = round(_BAR_WIDTH * done / total)
            counts = f"[{'█' * filled}{'░' * (_BAR_WIDTH - filled)}] {counts}"
        if done >= total:
            return f"{label} {counts} in {format_seconds(elapsed)}"
        if done == 0 or elapsed <= 0:
            return f"{label} {counts}"
        rate = done / elapsed
        return f"{label} {counts} · {rate:.1f}/s · {format_seconds((total - done) / rate)} left"


class StepProgress:
    """Renders the progress of several pipeline steps (relayed from their processes), one renderer per step."""

    def __init__(self, *, indent: str = "    ", interval_s: float = 5.0, live: bool | None = None) -> None:
        self.indent = indent
        self.interval_s = interval_s
        self.live = live
        self._renderers: dict[str, ProgressRenderer] = {}

    def __call__(self, step: str, stage: str, done: int, total: int) -> None:
        renderer = self._renderers.get(step)
        if renderer is None:
            renderer = ProgressRenderer(step=step, indent=self.indent, interval_s=self.interval_s, live=self.live)
            self._renderers[step] = renderer
        renderer(stage, done, total)


class StepEmitter:
    """A ``Progress`` callback inside a pipeline step: JSON lines on ``stream`` (default stdout) — a stage's
    first and last report and at most one per ``interval_s`` in between, so logs stay short."""

    def __init__(
        self,
        step: str,
        *,
        interval_s: float = 1.0,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.step = step
        self.interval_s = interval_s
        self.stream = stream
        self.clock = clock
        self._last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = self.clock()
        last = self._last.get(stage)
        if last is not None and done < total and now - last < self.interval_s:
            return
        self._last[stage] = now
        # A line of the log schema, so a step's log (kfp.log, a pod's log) reads like the rest.
        line = event_line(STEP_EVENT, logger="ragops.progress", step=self.step, stage=stage, done=done, total=total)
        stream = self.stream or sys.stdout
        stream.write(line + "\n")
        stream.flush()


def parse_step_line(line: str) -> tuple[str, str, int, int] | None:
    """``(step, stage, done, total)`` when ``line`` is a ``StepEmitter`` line (KFP may indent it), else None."""
    text = line.strip()
    if not text.startswith("{") or STEP_EVENT not in text:
        return None
    try:
        event = json.loads(text)
        if event.get("event") != STEP_EVENT:
            return None
        return str(event["step"]), str(event["stage"]), int(event["done"]), int(event["total"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
