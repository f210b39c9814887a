"""Run the evaluation pipeline on the KFP local runner, showing progress per step and keeping the KFP log.

The local runner prints every task's inputs, outputs and logs to stdout; that goes to ``kfp.log`` in the run
folder instead, and the runner's own log records (task started, cache hit, finished) become progress events.
The steps' own progress lines (``ragops.progress.StepEmitter``) are picked out of that stream on their way to
the log and handed to a progress callback, so the user sees chunks embedded while the index step runs.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import logging
import re
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from kfp import local

from ragops.errors import InfrastructureError, RagopsError, UsageError, ValidationFailed
from ragops.pipelines.events import StepCallback, StepEvent
from ragops.pipelines.pipeline import rag_eval_pipeline
from ragops.progress import StepProgressCallback, parse_step_line

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EVENTS = [
    (re.compile(r"^Executing task '?([\w-]+)'?"), "started"),
    (re.compile(r"^Task '?([\w-]+)'? cache hit"), "cached"),
    (re.compile(r"^Task '?([\w-]+)'? finished with status (\w+)"), "finished"),
]
# A ragops error raised inside a component, as its traceback's last line shows it.
_COMPONENT_ERROR = re.compile(r"ragops\.errors\.(ValidationFailed|UsageError|InfrastructureError): (.*)")
_ERRORS: dict[str, type[RagopsError]] = {
    "ValidationFailed": ValidationFailed,
    "UsageError": UsageError,
    "InfrastructureError": InfrastructureError,
}


class _Events(logging.Filter):
    def __init__(self, callback: StepCallback) -> None:
        super().__init__()
        self.callback = callback

    def filter(self, record: logging.LogRecord) -> bool:
        message = _ANSI.sub("", record.getMessage())
        for pattern, event in _EVENTS:
            found = pattern.match(message)
            if found:
                status = found.group(2) if event == "finished" else ""
                self.callback(StepEvent(found.group(1), event, status))
        return True


class _KfpLog(io.TextIOBase):
    """Where the runner's output goes: the log file, line by line, with the steps' progress lines also handed to
    ``on_progress``. The runner writes from its task threads, hence the lock."""

    def __init__(self, log: TextIO, on_progress: StepProgressCallback | None) -> None:
        super().__init__()
        self.log = log
        self.on_progress = on_progress
        self._pending = ""
        self._lock = threading.Lock()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        with self._lock:
            self.log.write(text)
            if self.on_progress is None:
                return len(text)
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
        for line in lines:
            found = parse_step_line(line)
            if found is not None:
                self.on_progress(*found)
        return len(text)

    def flush(self) -> None:
        self.log.flush()


@contextlib.contextmanager
def _captured(log_path: Path, callback: StepCallback, on_progress: StepProgressCallback | None) -> Iterator[None]:
    root = logging.getLogger()
    events = _Events(callback)
    root.addFilter(events)
    level = root.level
    root.setLevel(logging.INFO)
    handlers = list(root.handlers)
    # The runner indents task logs by swapping builtins.print in and out; ParallelFor tasks run on threads, so
    # the swaps interleave and can leave an indenting print behind for the rest of the process.
    original_print = builtins.print
    try:
        with log_path.open("w", encoding="utf-8") as log_file:
            log = _KfpLog(log_file, on_progress)
            # The runner's own records (pipeline started, cache hits) belong in the log, not on the user's stderr
            # (which in JSON mode carries only ragops' events).
            root.handlers = [logging.StreamHandler(log)]
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log), warnings.catch_warnings():
                # The runner warns that our image is not a plain Python image; on the local runner the components
                # run in this environment, which has ragops installed, so the warning is noise.
                warnings.filterwarnings("ignore", message=".*custom or non-Python base image.*")
                # Display names (import-corpus, …) are for the KFP UI; the local runner says it ignores them.
                warnings.filterwarnings("ignore", message=".*have no effect in the current local runner.*")
                yield
    finally:
        builtins.print = original_print
        root.handlers = handlers
        root.removeFilter(events)
        root.setLevel(level)


def run_local(
    arguments: dict[str, Any],
    state_dir: Path,
    log_path: Path,
    callback: StepCallback,
    on_progress: StepProgressCallback | None = None,
    pipeline: Any = rag_eval_pipeline,
) -> dict[str, Any]:
    """Run ``pipeline`` (the evaluation pipeline unless told; the sweep pipeline is the other) with ``arguments``;
    returns its outputs (the evaluation pipeline's: ``report`` artifact, ``index_summary``). Tasks whose content
    hashes are unchanged come from the cache kept in ``state_dir``; ``on_progress`` gets the steps' progress."""
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(state_dir / "pipeline-root"),
        enable_caching=True,
        cache_root=str(state_dir / "cache"),
        raise_on_error=True,
    )
    try:
        with _captured(log_path, callback, on_progress):
            task = pipeline(**arguments)
    except RuntimeError as exc:
        raise _component_error(log_path) from exc
    return dict(task.outputs or {})


def _component_error(log_path: Path) -> RagopsError:
    text = _ANSI.sub("", log_path.read_text(encoding="utf-8", errors="replace"))
    found = _COMPONENT_ERROR.findall(text)
    if found:
        kind, message = found[-1]
        return _ERRORS[kind](f"{message} (pipeline log: {log_path})")
    return InfrastructureError(f"a pipeline step failed; see the pipeline log: {log_path}")
