"""Writing a file so that a reader never sees it half-written: the one atomic write of ragops.

The text goes to a hidden partial file beside the target (same folder, so the same file system) and is renamed
over it; an interrupted write leaves the old file whole and at most a ``.NAME.partial-PID`` file behind.
"""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
