"""Writing files and folders so that a reader never sees half of one: the one atomic write of ragops.

A file is written to a temporary file beside it (same folder, so the rename cannot cross file systems), flushed to
disk, then renamed over the target: an interrupted run leaves the old file or the new one, never a mix. Temporary
names are ``.<name>.<random>.tmp`` — hidden, unique per writer, recognisable. A folder built in a staging folder
beside its target is swapped in with :func:`replace_folder`, which retires the old one first.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

from ragops.errors import UsageError


def temporary_sibling(path: Path, kind: str = "tmp") -> Path:
    """A fresh hidden name beside ``path``: ``.<name>.<random>.<kind>``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.{kind}")


def write_atomic(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` to ``path`` atomically, creating its folder; the file gets the usual mode (0666 less the
    umask). An OSError leaves ``path`` as it was and no temporary file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode(encoding) if isinstance(data, str) else data
    temporary = temporary_sibling(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def create_files(files: Mapping[Path, str]) -> list[Path]:
    """Write new files, all or none: a UsageError naming the first that exists already (nothing written), and on a
    failure part-way the ones written are removed again."""
    for path in files:
        if path.exists():
            raise UsageError(f"{path} exists already: not overwriting it")
    written: list[Path] = []
    try:
        for path, text in files.items():
            write_atomic(path, text)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def write_if_changed(path: Path, text: str) -> bool:
    """:func:`write_atomic` unless ``path`` already holds ``text``; whether it wrote (so a file's mtime and a git
    checkout stay untouched when nothing changed)."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    write_atomic(path, text)
    return True


def place_folder_once(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` at ``target`` unless another writer got there first — for content-
    addressed folders, where whatever is at ``target`` already holds the same content."""
    try:
        staging.rename(target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(staging, ignore_errors=True)


def replace_folder(staging: Path, target: Path) -> None:
    """Put the finished folder ``staging`` where ``target`` is (both in one folder): the target never holds a mix
    of old and new files; the old one is retired aside and then deleted."""
    if target.is_dir() and not any(target.iterdir()):
        target.rmdir()  # an empty folder (a fresh volume's subfolder, say) is simply replaced
    if target.exists():
        retired = temporary_sibling(target, "retired")
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)
