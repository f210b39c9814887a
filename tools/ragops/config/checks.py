"""Checks that a schema cannot express: templates, paths, ranges between fields, models available offline."""

from __future__ import annotations

import string
from pathlib import Path

from ragops.config.diagnostics import Finding, Severity
from ragops.config.models import OPTIONAL_PLACEHOLDERS, REQUIRED_PLACEHOLDERS, AppConfig
from ragops.config.suggest import closest, did_you_mean
from ragops.data.tracked import tracking
from ragops.rag import model_store

_TEMPLATE = ("spec", "prompt", "template")


def check_template(template: str) -> list[Finding]:
    try:
        fields = [(text, name) for text, name, _spec, _conv in string.Formatter().parse(template)]
    except ValueError as exc:
        return [
            Finding(
                _TEMPLATE,
                "template-syntax",
                f"prompt template does not parse: {exc}",
                "write literal braces as {{ and }}; placeholders as {context} and {question}",
            )
        ]
    findings: list[Finding] = []
    used: set[str] = set()
    meant: set[str] = set()  # required names an unknown placeholder was probably meant to be
    allowed = (*REQUIRED_PLACEHOLDERS, *OPTIONAL_PLACEHOLDERS)
    for _text, name in fields:
        if name is None:
            continue
        used.add(name)
        if name in allowed:
            continue
        shown = "{" + name + "}"
        meant.add(closest(name, allowed) or "")
        findings.append(
            Finding(
                _TEMPLATE,
                "template-placeholder",
                f"unknown placeholder {shown} in prompt template",
                did_you_mean(name, allowed) + "; write literal braces as {{ and }}",
                needle=shown,
            )
        )
    for name in REQUIRED_PLACEHOLDERS:
        if name not in used and name not in meant:
            findings.append(
                Finding(
                    _TEMPLATE,
                    "template-placeholder",
                    f"prompt template has no {{{name}}} placeholder",
                    f"add {{{name}}} where the {name} should go",
                )
            )
    return findings


def resolve_repo_path(value: str, root: Path) -> Path | None:
    """The path inside the repository that ``value`` names, or None when it is absolute or escapes it."""
    candidate = Path(value)
    if candidate.is_absolute() or value.startswith("~"):
        return None
    resolved = (root / candidate).resolve()
    return resolved if resolved.is_relative_to(root.resolve()) else None


def check_data_paths(config: AppConfig, root: Path) -> list[Finding]:
    findings: list[Finding] = []
    data = config.spec.data
    entries: list[tuple[tuple[str | int, ...], str, str]] = [(("spec", "data", "corpus"), data.corpus, "corpus")]
    entries += [(("spec", "data", "testsets", i), t, "testset") for i, t in enumerate(data.testsets)]
    for path, value, role in entries:
        resolved = resolve_repo_path(value, root)
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


def check_ranges(config: AppConfig) -> list[Finding]:
    splitter = config.spec.splitter
    if splitter.chunk_overlap >= splitter.chunk_size:
        return [
            Finding(
                ("spec", "splitter", "chunk_overlap"),
                "out-of-range",
                f"chunk_overlap ({splitter.chunk_overlap}) must be smaller than chunk_size ({splitter.chunk_size})",
                "make chunk_overlap at most a quarter of chunk_size",
            )
        ]
    return []


def check_k_values(config: AppConfig) -> list[Finding]:
    evaluation, top_k = config.spec.evaluation, config.spec.retrieval.top_k
    beyond = [k for k in evaluation.k_values if k > top_k]
    # Only cut-offs the author wrote: the defaults adapt to nobody's top_k, and warning about them is noise.
    if not beyond or "k_values" not in evaluation.model_fields_set:
        return []
    return [
        Finding(
            ("spec", "evaluation", "k_values"),
            "k-beyond-top-k",
            f"k_values {beyond} exceed retrieval.top_k ({top_k}): only {top_k} chunks are retrieved, so metrics "
            f"at those cut-offs repeat @{top_k}",
            f"drop {beyond} from k_values, or raise top_k",
            severity=Severity.WARNING,
        )
    ]


def check_llm(config: AppConfig) -> list[Finding]:
    llm = config.spec.llm
    if llm.provider == "openai" and not llm.model:
        return [
            Finding(
                ("spec", "llm", "model"),
                "missing-key",
                "provider openai needs a model name",
                "add model: (e.g. gpt-4o-mini, or the name your OpenAI-compatible server serves)",
                at_key=True,
            )
        ]
    return []


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


def check_name(config: AppConfig, file: Path) -> list[Finding]:
    if config.name != file.stem:
        return [
            Finding(
                ("metadata", "name"),
                "name-mismatch",
                f"app name {config.name!r} differs from the file name {file.name!r}",
                f"rename the file to {config.name}.yaml or set the name to {file.stem!r}",
                severity=Severity.WARNING,
            )
        ]
    return []


def check_config(config: AppConfig, file: Path, root: Path) -> list[Finding]:
    return [
        *check_template(config.spec.prompt.template),
        *check_data_paths(config, root),
        *check_ranges(config),
        *check_k_values(config),
        *check_llm(config),
        *check_models_offline(config, root),
        *check_name(config, file),
    ]
