"""Load a RAG config file into an ``AppConfig``, turning every problem into a located diagnostic.

``read_config`` never raises for bad content: it returns the config (when there is one) and the findings,
each with file, line, column and a fix. ``load_app_config`` is the strict entry point for the engine and
pipeline: it raises ``ValidationFailed`` unless the config is free of errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from pydantic import BaseModel, ValidationError

from ragops.config.checks import check_config
from ragops.config.diagnostics import Diagnostic, Finding, render
from ragops.config.models import AppConfig
from ragops.config.pydantic_errors import diagnostics_from_validation_error
from ragops.config.secrets import find_secrets
from ragops.config.shortform import ShortFormConfig, normalise, short_path
from ragops.config.yamlsource import MAX_DOCUMENT_CHARS, Position, YamlError, YamlSource, load_yaml
from ragops.errors import ValidationFailed

_FULL_MARKERS = {"apiVersion", "kind", "metadata", "spec"}
_SHORT_MARKERS = {"retriever", "generator", "prompt"}


@dataclass
class LoadedConfig:
    path: Path
    display: str
    config: AppConfig | None = None
    form: Literal["full", "short"] | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.config is not None and not any(d.is_error for d in self.diagnostics)


def repo_root_for(path: Path) -> Path:
    """The repository a file belongs to: the nearest folder up with ``.git`` or ``pyproject.toml``."""
    start = path.resolve()
    for folder in [start, *start.parents]:
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return folder
    return Path.cwd().resolve()


def display_path(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)


def _locate(source: YamlSource, text: str, finding: Finding) -> Position:
    position = source.locate(finding.path, key=finding.at_key)
    if finding.needle:
        lines = text.splitlines(keepends=True)
        offset = sum(len(line) for line in lines[: position.line - 1]) + position.column - 1
        index = text.find(finding.needle, offset)
        if index >= 0:
            before = text[:index]
            return Position(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)
    return position


# Checks a caller adds (environment checks): (config, config file, repository root) -> findings, located in the
# YAML like the built-in ones.
ExtraChecks = Callable[[AppConfig, Path, Path], list[Finding]]


def _whole_file(
    result: LoadedConfig, code: str, message: str, fix: str, line: int = 1, column: int = 1
) -> LoadedConfig:
    result.diagnostics.append(Diagnostic(result.display, line, column, code, message, fix))
    return result


def read_config(path: Path, root: Path | None = None, extra_checks: ExtraChecks | None = None) -> LoadedConfig:
    root = (root or repo_root_for(path)).resolve()
    result = LoadedConfig(path=path, display=display_path(path, root))

    def whole_file(code: str, message: str, fix: str, line: int = 1, column: int = 1) -> LoadedConfig:
        return _whole_file(result, code, message, fix, line, column)

    try:
        # Checked before reading: a multi-gigabyte "config" in a pull request must not be read into memory.
        if path.stat().st_size > 4 * MAX_DOCUMENT_CHARS:
            return whole_file(
                "yaml-too-large",
                f"the file is larger than {4 * MAX_DOCUMENT_CHARS} bytes",
                "a config is a few kilobytes: move data out of it",
            )
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return whole_file("encoding", f"not UTF-8 text ({exc.reason} at byte {exc.start})", "save as UTF-8")
    except OSError as exc:
        return whole_file("unreadable", f"cannot read the file: {exc.strerror or exc}", "check path and permissions")
    return _parse(text, path, root, extra_checks, result)


def config_from_text(text: str, path: str, root: Path) -> LoadedConfig:
    """The config in ``text``, as if read from ``path`` (repository-relative) in ``root``: a config read from git
    at some commit. Only what the text says is checked — nothing on disk."""
    return _parse(text, root / path, root.resolve(), None, LoadedConfig(path=root / path, display=path))


def _parse(text: str, path: Path, root: Path, extra_checks: ExtraChecks | None, result: LoadedConfig) -> LoadedConfig:
    def whole_file(code: str, message: str, fix: str, line: int = 1, column: int = 1) -> LoadedConfig:
        return _whole_file(result, code, message, fix, line, column)

    try:
        source = load_yaml(text)
    except YamlError as exc:
        return whole_file(exc.code, exc.message, exc.fix, exc.line, exc.column)
    data = source.data
    keys = set(data) if isinstance(data, dict) else set()
    if not keys & (_FULL_MARKERS | _SHORT_MARKERS):
        return whole_file(
            "not-a-config",
            "this is not a RAG app config",
            "start with 'apiVersion: ragops.dev/v1' and 'kind: RAGApp' (full form), or write the short form "
            "with retriever, generator, prompt and data",
        )
    form: Literal["full", "short"] = "full" if keys & _FULL_MARKERS else "short"
    result.form = form
    model: type[BaseModel] = AppConfig if form == "full" else ShortFormConfig

    secrets = find_secrets(data)
    findings: list[Finding] = list(secrets)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        hidden = [s.path for s in secrets]
        findings += [
            f for f in diagnostics_from_validation_error(exc, model) if not any(f.path[: len(h)] == h for h in hidden)
        ]
    else:
        config = _normalised(parsed, path, findings) if isinstance(parsed, ShortFormConfig) else cast(AppConfig, parsed)
        if config is not None:
            result.config = config
            checked = check_config(config, path)
            if extra_checks is not None:
                checked += extra_checks(config, path, root)
            if form == "short":
                checked = [_to_short(f) for f in checked if f.code != "name-mismatch"]
            findings += checked
    for finding in findings:
        position = _locate(source, text, finding)
        result.diagnostics.append(
            Diagnostic(
                result.display,
                position.line,
                position.column,
                finding.code,
                finding.message,
                finding.fix,
                finding.severity,
            )
        )
    if any(d.is_error for d in result.diagnostics):
        result.config = None
    return result


def _normalised(short: ShortFormConfig, path: Path, findings: list[Finding]) -> AppConfig | None:
    try:
        return normalise(short, default_name=path.stem)
    except ValidationError:
        findings.append(
            Finding(
                ("name",),
                "invalid-value",
                f"the file name {path.stem!r} is not a valid app name",
                "add 'name:' with lowercase letters, digits and '-', or rename the file that way",
            )
        )
        return None


def _to_short(finding: Finding) -> Finding:
    return Finding(
        short_path(finding.path),
        finding.code,
        finding.message,
        finding.fix,
        finding.severity,
        finding.at_key,
        finding.needle,
    )


def load_app_config(path: Path, root: Path | None = None, extra_checks: ExtraChecks | None = None) -> AppConfig:
    """The config at ``path``, or ``ValidationFailed`` listing every error in it."""
    loaded = read_config(path, root, extra_checks)
    if loaded.config is None:
        errors = [d for d in loaded.diagnostics if d.is_error]
        raise ValidationFailed(f"{loaded.display} is not a valid RAG config:\n{render(errors, 'text')}")
    return loaded.config
