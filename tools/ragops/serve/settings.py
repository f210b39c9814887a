"""The service's settings: what to serve and its limits. Serialisable, so worker processes receive the same."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ragops.serve.access_settings import AccessSettings
from ragops.serve.conversation_settings import ConversationSettings
from ragops.serve.cpus import available_cpus, batch_threads
from ragops.serve.models import MAX_QUESTION_CHARS

# The environment variable that hands the settings to uvicorn's worker processes (--workers > 1).
SETTINGS_ENV = "RAGOPS_SERVE_SETTINGS"
# The service's name in traces, unless OTEL_SERVICE_NAME says otherwise.
SERVICE_NAME = "ragops-serve"
RELEASE_FILE = "release.json"


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    config: Path
    index: Path
    release: Path | None = None  # release.json; when None, one next to the config is used if present
    feedback_dir: Path | None = None  # feedback is disabled without it
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes, each with its own engine")
    threads: int | None = Field(
        default=None, ge=1, description="batches answered at once in each worker (default: from the CPUs)"
    )
    compute_threads: int | None = Field(
        default=None, ge=1, description="CPU threads the model uses per batch (default: the CPUs left per batch)"
    )
    max_batch: int = Field(default=32, ge=1, description="questions per batch")
    max_wait_ms: float = Field(default=0.0, ge=0, description="how long a batch waits for more questions")
    memory_trim_s: float = Field(
        default=5.0, ge=0, description="seconds between returning freed memory to the system (0: never)"
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_question_chars: int = Field(default=MAX_QUESTION_CHARS, ge=1)
    log_questions: bool = False  # the question in the request log line (redacted as spec.privacy says)
    feedback_text: bool = False  # questions and comments kept with feedback (redacted as spec.privacy says)
    log_level: str = "info"
    graceful_timeout_s: float | None = Field(default=30.0, description="longest wait for in-flight requests")
    conversations: ConversationSettings = Field(default_factory=ConversationSettings)
    access: AccessSettings = Field(default_factory=AccessSettings)

    def release_path(self) -> Path | None:
        if self.release is not None:
            return self.release
        beside = self.config.parent / RELEASE_FILE
        return beside if beside.is_file() else None

    @cached_property
    def thread_plan(self) -> tuple[int, int]:
        """(batches answered at once in each worker, CPU threads per batch), defaults filled from the CPUs; worked
        out once, so the engine's threads and the batcher's always agree."""
        return batch_threads(available_cpus(), self.workers, self.threads, self.compute_threads)
