"""Which files and folders DVC tracks: ``<path>.dvc`` files written by ``dvc add``, read without DVC itself.

Kept free of ragops imports beyond the YAML reader, so config checks can ask "is this path DVC-tracked?" cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragops.config.yamlsource import YamlError, load_yaml_data

# DVC's suffix on a folder's hash (its `.dir` listing object).
DIR_SUFFIX = ".dir"


@dataclass(frozen=True)
class TrackedData:
    """A file or folder tracked by a ``<path>.dvc`` file, with what that file records."""

    path: Path  # absolute
    dvc_file: Path  # absolute
    md5: str  # DVC's hash; a folder's ends in ".dir" (this is its fingerprint)
    size: int | None
    nfiles: int | None
    # DVC 2 files (no ``hash: md5``) hash text with CRLF normalised (``md5-dos2unix``), not the plain md5.
    legacy_hash: bool = False

    @property
    def is_dir(self) -> bool:
        return self.md5.endswith(DIR_SUFFIX)


@dataclass(frozen=True)
class TrackedOut:
    """What a single-output ``.dvc`` file records, as written (its path is relative to the ``.dvc`` file)."""

    path: str
    md5: str  # a folder's ends in ".dir"
    size: int | None
    nfiles: int | None
    legacy_hash: bool  # see TrackedData.legacy_hash

    @property
    def is_dir(self) -> bool:
        return self.md5.endswith(DIR_SUFFIX)


def parse_dvc_out(text: str | bytes) -> TrackedOut | None:
    """The output of a ``dvc add`` file's text, or None when it is not a single-output ``.dvc`` file.

    The one ``.dvc`` parser: for files in the workspace (``read_dvc_file``) and blobs at a git revision
    (``ragops.data.change_summary``) alike.
    """
    try:
        # Bounded like every YAML ragops reads: a .dvc file arrives in pull requests like any config.
        data = load_yaml_data(text.decode("utf-8") if isinstance(text, bytes) else text)
    except (UnicodeDecodeError, YamlError):
        return None
    outs = data.get("outs") if isinstance(data, dict) else None
    if not isinstance(outs, list) or len(outs) != 1 or not isinstance(outs[0], dict):
        return None
    out = outs[0]
    md5, rel = out.get("md5"), out.get("path")
    if not isinstance(md5, str) or not isinstance(rel, str):
        return None
    size, nfiles = out.get("size"), out.get("nfiles")
    return TrackedOut(
        path=rel,
        md5=md5,
        size=size if isinstance(size, int) else None,
        nfiles=nfiles if isinstance(nfiles, int) else None,
        legacy_hash=out.get("hash") != "md5",
    )


def read_dvc_file(dvc_file: Path) -> TrackedData | None:
    """The output a ``dvc add`` file tracks, or None when the file is not a single-output ``.dvc`` file."""
    try:
        out = parse_dvc_out(dvc_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    if out is None:
        return None
    return TrackedData(
        path=(dvc_file.parent / out.path).resolve(),
        dvc_file=dvc_file.resolve(),
        md5=out.md5,
        size=out.size,
        nfiles=out.nfiles,
        legacy_hash=out.legacy_hash,
    )


def tracking(path: Path) -> TrackedData | None:
    """The DVC-tracked file or folder that holds ``path`` (itself or an ancestor), if any."""
    path = path.resolve()
    for candidate in (path, *path.parents):
        if not candidate.name:  # the filesystem root
            break
        dvc_file = candidate.with_name(candidate.name + ".dvc")
        if dvc_file.is_file():
            tracked = read_dvc_file(dvc_file)
            if tracked is not None and tracked.path == candidate:
                return tracked
    return None
