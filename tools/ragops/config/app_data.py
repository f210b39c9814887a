"""An app's data paths and its config hash, worked out once for every caller.

``spec.data`` names a corpus folder and test-set files relative to the repository root. :func:`data_paths` turns
them into :class:`DataPath` entries — the value as written, where it lives in the config (for diagnostics), the
absolute path (None when it leaves the repository) and the repository-relative posix path (what git and DVC
name). Evaluation, promotion, indexing, validation, ``ragops data pull`` and ``ragops affected`` all read them
here. :func:`config_hash` is the identity of a config: the hash of its normalised form, so equal configs (however
written: short form, full form, defaults spelled out or not) have equal hashes.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.hashing import canonical_sha256
from ragops.layout import resolve_repo_path

Role = Literal["corpus", "testset"]


@dataclass(frozen=True)
class DataPath:
    value: str  # as written in the config
    role: Role
    field: tuple[str | int, ...]  # where in the full form: ("spec", "data", "corpus"), ("spec", "data", "testsets", 0)
    path: Path | None  # absolute, inside the repository (links resolved); None when the value leaves it
    relative: str | None  # repository-relative posix path as written, normalised (what git and DVC name); None
    # when the value leaves the repository

    @property
    def name(self) -> str:
        """A test set's name (its file name without ``.jsonl``): the name reports use."""
        return PurePosixPath(self.value).stem


def data_paths(config: AppConfig, root: Path) -> list[DataPath]:
    """The corpus, then each test set, in config order."""
    data = config.spec.data
    entries: list[tuple[str, Role, tuple[str | int, ...]]] = [(data.corpus, "corpus", ("spec", "data", "corpus"))]
    entries += [(value, "testset", ("spec", "data", "testsets", i)) for i, value in enumerate(data.testsets)]
    return [
        DataPath(value, role, field, resolve_repo_path(value, root), repo_relative(value))
        for value, role, field in entries
    ]


def repo_relative(value: str) -> str | None:
    """``value`` as a normalised repository-relative posix path (``./a//b/`` → ``a/b``), worked out from the text
    alone; None when it is absolute or climbs out of the repository."""
    if not value or value.startswith(("/", "~")):
        return None
    normal = posixpath.normpath(value)
    return None if normal == ".." or normal.startswith("../") or normal == "." else normal


def data_relatives(config: AppConfig) -> tuple[str | None, set[str]]:
    """The corpus and the test sets as repository-relative posix paths, without a checkout (a config read from
    git, a run folder's config)."""
    return repo_relative(config.spec.data.corpus), {
        relative for value in config.spec.data.testsets if (relative := repo_relative(value)) is not None
    }


def paths_inside(config: AppConfig, root: Path) -> list[Path]:
    """The absolute data paths that are inside the repository (those that leave it are left out)."""
    return [entry.path for entry in data_paths(config, root) if entry.path is not None]


def inside(paths: list[DataPath], config: AppConfig) -> list[Path]:
    """The absolute paths, or ValidationFailed naming the first value that leaves the repository."""
    for entry in paths:
        if entry.path is None:
            where = ".".join(map(str, entry.field))
            raise ValidationFailed(f"{config.name}: {entry.role} path {entry.value!r} leaves the repository ({where})")
    return [entry.path for entry in paths if entry.path is not None]


def corpus_path(config: AppConfig, root: Path) -> Path:
    """The app's corpus folder; ValidationFailed when the config points outside the repository."""
    return inside(data_paths(config, root)[:1], config)[0]


def testset_paths(config: AppConfig, root: Path) -> dict[str, Path]:
    """Test-set name → file; ValidationFailed when one points outside the repository, or two share a name (a
    report keys its test sets by name)."""
    entries = data_paths(config, root)[1:]
    named: dict[str, Path] = {}
    for entry, path in zip(entries, inside(entries, config), strict=True):
        if entry.name in named:
            raise ValidationFailed(f"two test sets are named {entry.name!r}; test-set file names must differ")
        named[entry.name] = path
    return named


def config_hash(config: AppConfig) -> str:
    """Hash of the normalised config: equal configs (however written) have equal hashes. An optional section of
    ``spec`` that is absent (``privacy``) is left out rather than hashed as null, so adding such a section to
    ragops does not change the hash of every config written before it (releases would read as changed)."""
    dumped = config.model_dump(mode="json", by_alias=True)
    dumped["spec"] = {section: value for section, value in dumped["spec"].items() if value is not None}
    return canonical_sha256(dumped)
