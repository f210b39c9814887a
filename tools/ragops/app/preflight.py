"""Pre-flight checks of the environment an app runs in: its data is present (or DVC-tracked and not yet pulled)
and its models are available offline.

They are not properties of the config, so they live above the config layer; ``validate`` and ``eval`` run them
through the config loader's ``extra_checks`` hook, so their findings carry file, line and column like the rest.
"""

from __future__ import annotations

from pathlib import Path

from ragops.config.app_data import data_paths
from ragops.config.diagnostics import Finding, Severity
from ragops.config.loader import load_app_config
from ragops.config.models import AppConfig
from ragops.data.tracked import tracking
from ragops.errors import UsageError
from ragops.rag import model_store


def load_app(config_path: Path, root: Path) -> AppConfig:
    """The app config at ``config_path`` with the pre-flight checks run; errors raise ValidationFailed."""
    if not config_path.is_file():
        raise UsageError(f"{config_path}: no such config file")
    return load_app_config(config_path, root, environment_checks)


def environment_checks(config: AppConfig, file: Path, root: Path) -> list[Finding]:
    """Every pre-flight check; the signature of ``ragops.config.loader.ExtraChecks``."""
    return [*check_data_paths(config, root), *check_models_offline(config, root)]


def check_data_paths(config: AppConfig, root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for entry in data_paths(config, root):
        path, value, role, resolved = entry.field, entry.value, entry.role, entry.path
        if resolved is None:
            findings.append(
                Finding(
                    path,
                    "path-outside-repo",
                    f"{role} path {value!r} leaves the repository",
                    "use a path relative to the repository root, without '..' or a leading '/'",
                )
            )
        elif not resolved.exists() and tracking(resolved) is not None:
            # DVC-tracked data is absent on a fresh clone until it is pulled: that is expected, not a broken path.
            findings.append(_not_pulled(path, value, role, config.name))
        elif role == "corpus" and not resolved.is_dir():
            findings.append(_missing(path, value, "folder of documents", root))
        elif role == "testset" and not resolved.is_file():
            findings.append(_missing(path, value, "JSONL test set", root))
        elif role == "testset" and resolved.suffix != ".jsonl":
            findings.append(
                Finding(
                    path,
                    "invalid-value",
                    f"test set {value!r} is not a .jsonl file",
                    "test sets are JSONL files: one JSON object per line",
                )
            )
    return findings


def _not_pulled(path: tuple[str | int, ...], value: str, role: str, app: str) -> Finding:
    return Finding(
        path,
        "data-not-pulled",
        f"{role} {value!r} is tracked by DVC and not pulled yet, so it was not checked",
        f"run `ragops data pull rag-configs/{app}.yaml` (or `ragops data pull` for all data)",
        severity=Severity.WARNING,
    )


def _missing(path: tuple[str | int, ...], value: str, what: str, root: Path) -> Finding:
    return Finding(
        path,
        "path-missing",
        f"{what} {value!r} does not exist",
        f"create it, or correct the path (relative to the repository root {root})",
    )


def check_models_offline(config: AppConfig, root: Path) -> list[Finding]:
    findings: list[Finding] = []
    embedding = config.spec.embedding
    if embedding.provider == "sentence-transformers":
        local = model_store.local_model_path(embedding.model, root)
        if local is None:
            findings.append(
                Finding(
                    ("spec", "embedding", "model"),
                    "model-offline",
                    f"embedding model {embedding.model!r} is not available offline; indexing will fail with no network",
                    model_store.install_hint(embedding.model),
                    severity=Severity.WARNING,
                )
            )
        else:
            limit = model_store.max_seq_length(local)
            if limit is not None and config.spec.splitter.chunk_size > limit:
                findings.append(
                    Finding(
                        ("spec", "splitter", "chunk_size"),
                        "chunk-truncated",
                        f"chunk_size {config.spec.splitter.chunk_size} exceeds the {limit} tokens "
                        f"{embedding.model} reads: the tail of every long chunk is never embedded",
                        f"set chunk_size to at most {limit}",
                        severity=Severity.WARNING,
                    )
                )
    reranker = config.spec.retrieval.reranker
    if reranker is not None and model_store.local_model_path(reranker.model, root) is None:
        findings.append(
            Finding(
                ("spec", "retrieval", "reranker", "model"),
                "model-offline",
                f"reranker model {reranker.model!r} is not available offline",
                model_store.install_hint(reranker.model),
                severity=Severity.WARNING,
            )
        )
    return findings
