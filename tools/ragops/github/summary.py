"""Where markdown goes when it cannot (or should not only) be a comment: the job summary and a file.

The job summary (``$GITHUB_STEP_SUMMARY``) is appended to, as every step shares it; GitHub drops a step's
summary above 1 MiB, so what is appended is cut to fit beside what is already there. The file is written whole,
through a temporary file and a rename, so an interrupted run never leaves half a comment behind.
"""

from __future__ import annotations

from pathlib import Path

from ragops.errors import UsageError
from ragops.files import write_atomic
from ragops.github.body import SUMMARY_LIMIT_BYTES, cut


def write_file(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (parents created)."""
    try:
        write_atomic(path, text)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the comment file ({exc.strerror or exc})") from None
    return path


def append_step_summary(path: Path, text: str, *, where: str, limit_bytes: int = SUMMARY_LIMIT_BYTES) -> int:
    """Append ``text`` to the job summary at ``path``, cut to stay under ``limit_bytes`` in total.

    Returns how many characters were left out (0 when all of it fit)."""
    try:
        used = path.stat().st_size if path.exists() else 0
    except OSError:
        used = 0
    room = max(0, limit_bytes - used - 1)
    block = "\n" + text if used else text
    block, left_out = cut(block, limit=room, where=where, measure="bytes")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(block)
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot append to the job summary ($GITHUB_STEP_SUMMARY): {exc.strerror or exc}"
        ) from None
    return left_out
