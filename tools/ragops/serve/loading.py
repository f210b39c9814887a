"""Loading what the service serves and refusing anything that is not exactly what was evaluated.

``prepare`` reads the config (its documents and test sets need not be present: the service reads neither),
loads the index — which checks the index's own files — and compares it with the config: embedding model,
indexing settings, app name; with a release manifest, also the app and the index digest (the digest of the
index folder's deterministic archive, so a folder fetched from the store is checked byte for byte). Every
difference is named. ``build_engine`` then loads the model and answers one question to warm up.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ragops.artifacts.archive import folder_digest
from ragops.config.loader import read_config, repo_root_for
from ragops.config.models import AppConfig
from ragops.config.shortform import ShortFormConfig, normalise
from ragops.config.yamlsource import YamlError, load_yaml
from ragops.errors import UsageError, ValidationFailed
from ragops.rag.embeddings import make_embedder
from ragops.rag.engine import RagEngine
from ragops.rag.hashing import indexing_config, indexing_config_hash
from ragops.rag.index import Index, load_index
from ragops.serve.models import ReleaseManifest
from ragops.serve.settings import ServeSettings

# Findings about the app's documents and test sets: a serving machine does not hold them, and needs not.
_DATA_CODES = {"path-missing", "data-not-pulled"}


@dataclass(frozen=True)
class Prepared:
    config: AppConfig
    root: Path
    index: Index
    release: ReleaseManifest | None
    digest: str  # sha256:… of the index folder


def load_serving_config(path: Path) -> tuple[AppConfig, Path]:
    if not path.is_file():
        raise UsageError(f"no such config file: {path}")
    root = repo_root_for(path)
    loaded = read_config(path, root)
    if loaded.config is not None:
        return loaded.config, root
    errors = [d for d in loaded.diagnostics if d.is_error]
    blocking = [d for d in errors if d.code not in _DATA_CODES]
    if blocking or not errors:
        listing = "\n".join(f"  {d.file}:{d.line}:{d.column}: {d.message}" for d in blocking or errors)
        raise ValidationFailed(f"{path} is not a valid RAG config:\n{listing}")
    # Only the data paths are missing, which the service never reads: parse the config without that check.
    try:
        data = load_yaml(path.read_text(encoding="utf-8")).data
        if isinstance(data, dict) and data.keys() & {"apiVersion", "kind", "metadata", "spec"}:
            return AppConfig.model_validate(data), root
        return normalise(ShortFormConfig.model_validate(data), default_name=path.stem), root
    except (YamlError, ValidationError, OSError) as exc:  # pragma: no cover - read_config found no such error
        raise ValidationFailed(f"{path} is not a valid RAG config: {exc}") from exc


def read_release(path: Path) -> ReleaseManifest:
    try:
        raw = path.read_bytes()
        if json.loads(raw).get("placeholder") is True:
            raise ValidationFailed(
                f"{path} is a placeholder release manifest: promote a release first (ragops promote)"
            )
        return ReleaseManifest.model_validate_json(raw)
    except (json.JSONDecodeError, AttributeError) as exc:
        raise ValidationFailed(f"{path} is not a release manifest (a JSON object): {exc}") from exc
    except OSError as exc:
        raise UsageError(f"cannot read the release manifest {path}: {exc.strerror or exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        raise ValidationFailed(f"{path} is not a valid release manifest: {problems}") from exc


def _differences(recorded: Any, expected: Any, path: str = "") -> list[str]:
    """Dotted paths where two JSON-like values differ, with both values."""
    if isinstance(recorded, dict) and isinstance(expected, dict):
        found: list[str] = []
        for key in sorted(set(recorded) | set(expected), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in recorded:
                found.append(f"{where}: not in the index, {json.dumps(expected[key])} in the config")
            elif key not in expected:
                found.append(f"{where}: {json.dumps(recorded[key])} in the index, not in the config")
            else:
                found += _differences(recorded[key], expected[key], where)
        return found
    if recorded != expected:
        return [f"{path}: {json.dumps(recorded)} in the index, {json.dumps(expected)} in the config"]
    return []


def _check(config: AppConfig, root: Path, index: Index) -> list[str]:
    manifest = index.manifest
    found: list[str] = []
    if manifest.app != config.name:
        found.append(f"app: the index was built for {manifest.app!r}, the config is {config.name!r}")
    if manifest.indexing_config_hash != indexing_config_hash(config):
        changed = _differences(manifest.indexing_config, indexing_config(config))
        found.append("indexing settings differ: " + ("; ".join(changed) or "(same values, other hash)"))
    if config.spec.retrieval.mode != "text":
        identity = make_embedder(config.spec.embedding, root).identity
        if identity != manifest.model:
            found.append(f"embedding model: the index was embedded with {manifest.model}, this machine has {identity}")
    return found


def _check_release(release: ReleaseManifest, config: AppConfig, digest: str) -> list[str]:
    found: list[str] = []
    if release.app != config.name:
        found.append(f"release manifest: it is for app {release.app!r}, the config is {config.name!r}")
    if release.index.digest and release.index.digest != digest:
        found.append(f"index digest: the release names {release.index.digest}, the index folder is {digest}")
    return found


def prepare(settings: ServeSettings) -> Prepared:
    config, root = load_serving_config(settings.config)
    release_path = settings.release_path()
    release = read_release(release_path) if release_path is not None else None
    index = load_index(settings.index)
    digest = folder_digest(settings.index)
    problems = _check(config, root, index)
    if release is not None:
        problems += _check_release(release, config, digest)
    if problems:
        listing = "\n".join(f"  - {p}" for p in problems)
        raise ValidationFailed(
            f"refusing to serve the index in {settings.index} with {settings.config}:\n{listing}\n"
            "serve the index built from this config (ragops index CONFIG --publish …, then ragops artifact fetch)"
        )
    return Prepared(config, root, index, release, digest)


def build_engine(prepared: Prepared, warm_up: Sequence[str] = ("warm up",)) -> RagEngine:
    engine = RagEngine(prepared.config, prepared.index, prepared.root)
    engine.answer_many(list(warm_up))
    return engine
