"""Use case: answer one question with an app, building its index first when needed."""

from __future__ import annotations

from pathlib import Path

from ragops.app.index import ensure_index
from ragops.config.models import AppConfig
from ragops.errors import UsageError
from ragops.rag.engine import Answer, RagEngine
from ragops.rag.index import Progress, load_index


def check_question(question: str) -> str:
    """The question, or a UsageError when it is empty or not valid text."""
    if not question.strip():
        raise UsageError("the question is empty: pass the question to answer, quoted")
    try:
        question.encode("utf-8")
    except UnicodeEncodeError:
        raise UsageError("the question is not valid UTF-8 text: check the terminal's encoding") from None
    return question


def answer_question(
    config: AppConfig,
    root: Path,
    question: str,
    index_folder: Path | None = None,
    cache_folder: Path | None = None,
    progress: Progress | None = None,
) -> Answer:
    question = check_question(question)
    report = ensure_index(config, root, index_folder, cache_folder, progress)
    engine = RagEngine(config, load_index(Path(report.index_dir)), root)
    return engine.answer(question)
