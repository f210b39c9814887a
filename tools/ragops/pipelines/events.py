"""Progress events of a pipeline run, in a module free of KFP so callers can type them without importing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class StepEvent:
    step: str
    event: str  # started | cached | finished
    status: str = ""


StepCallback = Callable[[StepEvent], None]
