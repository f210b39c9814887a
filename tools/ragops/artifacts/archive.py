"""Deterministic packing of an index folder into a tar archive, its sha256 digest, and a safe unpacking.

The archive depends only on the folder's relative paths and file bytes: entries are sorted, every timestamp is 0,
owners are 0/"" and modes are 0644 (files) or 0755 (folders), no compression. So the same index gives the same
digest on every machine, and a digest names exactly one index. Unpacking refuses anything but plain files and
folders inside the target (no absolute paths, ``..``, links or devices), since the archive may come from a store
that others can write to.
"""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from ragops.errors import UsageError, ValidationFailed
from ragops.hashing import SHA256_HEX, to_digest

_BLOCK = 1 << 20
# An artifact is named by its digest: sha256-<hex>.tar.
_ARTIFACT_NAME = re.compile(rf"sha256-({SHA256_HEX})\.tar$")


def artifact_name(hex_digest: str) -> str:
    return f"sha256-{hex_digest}.tar"


def digest_in_name(uri: str) -> str | None:
    """The ``sha256:<hex>`` an artifact's file name (or URI) carries, or None when it is not named by one."""
    match = _ARTIFACT_NAME.search(uri)
    return to_digest(match.group(1)) if match else None


def _entries(folder: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, path) of every folder and file under ``folder``, sorted by name; links are refused."""
    found: list[tuple[str, Path]] = []
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            raise ValidationFailed(f"{path} is a symbolic link: an index artifact holds only files and folders")
        if not (path.is_file() or path.is_dir()):
            raise ValidationFailed(f"{path} is not a regular file: an index artifact holds only files and folders")
        found.append((name, path))
    yield from sorted(found)


def _info(name: str, path: Path) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if path.is_dir():
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.type = tarfile.REGTYPE
        info.mode = 0o644
        info.size = path.stat().st_size
    return info


class _HashingWriter(io.RawIOBase):
    """A write-only stream that hashes what passes through and forwards it (or drops it)."""

    def __init__(self, target: BinaryIO | None) -> None:
        self.digest = hashlib.sha256()
        self.target = target
        self.size = 0

    def writable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.size

    def write(self, data: bytes) -> int:  # type: ignore[override]  # tarfile passes bytes
        self.digest.update(data)
        self.size += len(data)
        if self.target is not None:
            self.target.write(data)
        return len(data)


def pack(folder: Path, target: BinaryIO | None = None) -> tuple[str, int]:
    """Write the deterministic archive of ``folder`` to ``target`` (or nowhere); return (hex digest, size)."""
    if not folder.is_dir():
        raise UsageError(f"no such index folder: {folder}")
    writer = _HashingWriter(target)
    # PAX keeps long and non-ASCII names exact; tarfile writes no pax time fields for integer mtimes.
    with tarfile.open(fileobj=writer, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8") as archive:
        for name, path in _entries(folder):
            info = _info(name, path)
            if info.isdir():
                archive.addfile(info)
            else:
                with path.open("rb") as handle:
                    archive.addfile(info, handle)
    return writer.digest.hexdigest(), writer.size


def folder_digest(folder: Path) -> str:
    """``sha256:<hex>`` of the archive ``folder`` would pack into, computed without writing it."""
    return to_digest(pack(folder)[0])


def _safe_name(name: str, archive: Path) -> PurePosixPath:
    pure = PurePosixPath(name)
    if pure.is_absolute() or not pure.parts or any(part in {"", ".", ".."} for part in pure.parts) or "\\" in name:
        raise ValidationFailed(f"{archive} holds an unsafe path {name!r}: refusing to unpack it")
    return pure


def unpack(archive_path: Path, target: Path) -> int:
    """Unpack ``archive_path`` into the empty folder ``target``; return the number of files.

    Only regular files and folders are accepted, each at a relative path without ``..``: anything else (links,
    devices, absolute or escaping paths, duplicates) is refused before a byte lands outside ``target``.
    """
    files = 0
    seen: set[PurePosixPath] = set()
    try:
        with tarfile.open(archive_path, mode="r:") as archive:
            for member in archive:
                name = _safe_name(member.name, archive_path)
                if name in seen:
                    raise ValidationFailed(f"{archive_path} holds {member.name!r} twice: refusing to unpack it")
                seen.add(name)
                destination = target.joinpath(*name.parts)
                if member.isdir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                if not member.isreg():
                    raise ValidationFailed(
                        f"{archive_path} holds {member.name!r}, which is a link or device, not a file: refusing it"
                    )
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = archive.extractfile(member)
                if source is None:  # pragma: no cover - isreg() members always have data
                    raise ValidationFailed(f"{archive_path}: no data for {member.name!r}")
                with source, destination.open("xb") as out:
                    while block := source.read(_BLOCK):
                        out.write(block)
                destination.chmod(0o644)
                files += 1
    except (tarfile.TarError, EOFError) as exc:
        raise ValidationFailed(f"{archive_path} is not a readable tar archive ({exc})") from exc
    return files
