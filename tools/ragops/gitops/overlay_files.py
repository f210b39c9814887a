"""The four per-release things in an overlay folder, read and written deterministically.

``kustomize/overlays/<env>/<app>/`` holds ``app.yaml`` (the evaluated config), ``release.json``, ``release.env``
(``INDEX_URI``, ``INDEX_DIGEST`` for the init container) and, in ``kustomization.yaml``, the image digest under
``images:``. Promotion rewrites exactly these; everything else in the overlay (namespace, suffix, labels,
components, replacements, comments) is left byte for byte. A file whose new content equals the old one is not
touched, and every write goes to a temporary file renamed into place, so an interrupted promotion leaves each file
either old or new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ragops.errors import UsageError, ValidationFailed
from ragops.files import write_if_changed
from ragops.gitops.release import PLACEHOLDER_DIGEST, Release, dumps, read_release
from ragops.layout import KUSTOMIZATION, OVERLAY_CONFIG, OVERLAY_RELEASE, OVERLAY_RELEASE_ENV

# The image the base's containers name; an overlay pins it with an `images:` entry of this name.
IMAGE_NAME = "ghcr.io/ragops/ragops"
_IMAGE_KEYS = ("name", "newName", "newTag", "digest")


@dataclass(frozen=True)
class OverlayState:
    """What an overlay deploys now."""

    path: Path
    release: Release | None  # None: the placeholder (never promoted)
    image: str | None  # repository@sha256:… as pinned in kustomization.yaml; None for the all-zero placeholder
    config_text: str


def require_overlay(path: Path) -> None:
    if not (path / KUSTOMIZATION).is_file():
        raise UsageError(
            f"{path}: no such overlay (no {KUSTOMIZATION}); create it first by copying a sibling overlay and changing "
            "its namespace, nameSuffix and labels"
        )


def _kustomization(path: Path) -> tuple[str, dict[str, Any]]:
    file = path / KUSTOMIZATION
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{file}: not YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ValidationFailed(f"{file}: not a Kustomization (a mapping)")
    return text, data


def pinned_image(path: Path) -> str | None:
    """``repository@sha256:…`` the overlay pins ``IMAGE_NAME`` to, or None when it pins the placeholder."""
    _, data = _kustomization(path)
    for entry in data.get("images") or []:
        if isinstance(entry, dict) and entry.get("name") == IMAGE_NAME:
            digest = entry.get("digest")
            if not digest or digest == PLACEHOLDER_DIGEST:
                return None
            return f"{entry.get('newName') or IMAGE_NAME}@{digest}"
    return None


def read_overlay(path: Path) -> OverlayState:
    require_overlay(path)
    config = path / OVERLAY_CONFIG
    config_text = config.read_text(encoding="utf-8") if config.is_file() else ""
    return OverlayState(path, read_release(path / OVERLAY_RELEASE), pinned_image(path), config_text)


def release_env(release: Release) -> str:
    return (
        "# Written by `ragops promote`: the released index artifact. The init container fetches INDEX_URI and refuses\n"
        "# anything whose sha256 is not INDEX_DIGEST.\n"
        f"INDEX_URI={release.index.uri}\n"
        f"INDEX_DIGEST={release.index.digest}\n"
    )


def _images_block(entries: list[dict[str, Any]]) -> str:
    lines = ["images:"]
    for entry in entries:
        keys = [k for k in _IMAGE_KEYS if k in entry] + sorted(k for k in entry if k not in _IMAGE_KEYS)
        for position, key in enumerate(keys):
            lines.append(f"{'  - ' if position == 0 else '    '}{key}: {entry[key]}")
    return "\n".join(lines) + "\n"


def with_image(text: str, data: dict[str, Any], image: str) -> str:
    """``kustomization.yaml``'s text with ``IMAGE_NAME`` pinned to ``image`` (repository@sha256:…); only the
    ``images:`` block changes."""
    repository, digest = image.split("@", 1)
    entries = [dict(e) for e in data.get("images") or [] if isinstance(e, dict)]
    ours = next((e for e in entries if e.get("name") == IMAGE_NAME), None)
    if ours is None:
        ours = {"name": IMAGE_NAME}
        entries.append(ours)
    ours.pop("newTag", None)  # a digest pins the image; a tag beside it would only mislead a reader
    if repository != IMAGE_NAME:
        ours["newName"] = repository
    else:
        ours.pop("newName", None)
    ours["digest"] = digest
    block = _images_block(entries)
    match = re.search(r"^images:[^\n]*\n(?:(?:[ \t-][^\n]*)?\n)*", text, flags=re.MULTILINE)
    if match is None:
        return text.rstrip("\n") + "\n\n" + block
    # The block runs until the next line at column 0; blank lines before it stay where they were.
    old = match.group(0)
    trailing = old[len(old.rstrip("\n")) + 1 :]
    return text[: match.start()] + block + trailing + text[match.end() :]


def write_overlay(path: Path, config_text: str, release: Release) -> list[Path]:
    """Write the release into the overlay at ``path``; returns the files whose bytes changed."""
    require_overlay(path)
    changed: list[Path] = []
    # release.json last: it is what says "this overlay holds release X", so it changes only when the rest has.
    files = [(path / OVERLAY_CONFIG, config_text), (path / OVERLAY_RELEASE_ENV, release_env(release))]
    if release.image is not None:
        text, data = _kustomization(path)
        files.append((path / KUSTOMIZATION, with_image(text, data, release.image)))
    files.append((path / OVERLAY_RELEASE, dumps(release)))
    for file, text in files:
        if write_if_changed(file, text):
            changed.append(file)
    return changed


@dataclass(frozen=True)
class Promotion:
    """What a promotion wrote: the overlay, the release, the files it changed and the release it replaced."""

    overlay: Path
    release: Release
    changed: list[Path]
    previous: Release | None


def promote_release(overlay: Path, config_text: str, release: Release) -> Promotion:
    previous = read_overlay(overlay).release
    changed = write_overlay(overlay, config_text, release)
    return Promotion(overlay, release, changed, previous)


def copy_release(source: OverlayState, target: Path, environment: str) -> Promotion:
    """Deploy the release ``source`` holds at ``target`` too, unchanged except for its environment."""
    if source.release is None:
        raise ValidationFailed(f"{source.path}: holds no release yet (the placeholder); promote a run there first")
    if source.release.evaluation.gate != "pass":
        raise ValidationFailed(f"{source.path}: its release {source.release.release_id} failed its gate")
    release = source.release.model_copy(update={"environment": environment})
    return promote_release(target, source.config_text, release)
