"""``ragops validate``: check every RAG config and test set in the repository, or the ones named.

A config pulls in the test sets it references, so validating one config also validates what it will be
evaluated on. The result is a list of diagnostics; rendering and exit codes belong to the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ragops.app.endpoints import ci_findings
from ragops.app.preflight import environment_checks
from ragops.config.app_data import data_paths
from ragops.config.diagnostics import Diagnostic, Finding
from ragops.config.gate import DEFAULTS_FILE, load_defaults
from ragops.config.loader import ExtraChecks, display_path, read_config
from ragops.config.models import AppConfig, LoaderSpec
from ragops.config.testset import check_against_corpus, load_testset
from ragops.corpus import CorpusLinkError
from ragops.errors import UsageError, ValidationFailed
from ragops.layout import CONFIG_DIR, CONFIG_SUFFIXES, DATASETS_DIR, is_testset_file
from ragops.rag.documents import document_ids


@dataclass
class ValidationResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    configs: int = 0
    testsets: int = 0

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


def discover(folder: Path) -> list[Path]:
    """Configs (``*.yaml``, ``*.yml``) and test sets (``*.jsonl`` in a ``testsets/`` folder) under ``folder``."""
    configs = [p for suffix in CONFIG_SUFFIXES for p in folder.rglob(f"*{suffix}")]
    testsets = [p for p in folder.rglob("*.jsonl") if is_testset_file(p)]
    return sorted(p for p in configs + testsets if p.is_file())


def discover_repo(root: Path) -> list[Path]:
    """What ``ragops validate`` checks with no paths: the apps in rag-configs/ and the test sets in datasets/."""
    configs = [p for suffix in CONFIG_SUFFIXES for p in (root / CONFIG_DIR).glob(f"*{suffix}")]
    testsets = [p for p in (root / DATASETS_DIR).rglob("*.jsonl") if is_testset_file(p)]
    return sorted(p for p in configs + testsets if p.is_file())


def _expand(paths: Sequence[Path], root: Path) -> list[Path]:
    if not paths:
        return discover_repo(root)
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_dir():
            files += discover(path)
        elif path.suffix in CONFIG_SUFFIXES or path.suffix == ".jsonl":
            files.append(path)
        else:
            raise UsageError(f"{path}: not a RAG config (.yaml) or test set (.jsonl)")
    return files


def _checks(ci_environ: Mapping[str, str] | None) -> ExtraChecks:
    if ci_environ is None:
        return environment_checks

    def with_ci(config: AppConfig, file: Path, root: Path) -> list[Finding]:
        return [*environment_checks(config, file, root), *ci_findings(config, ci_environ)]

    return with_ci


def validate(
    paths: Sequence[Path], root: Path, allow_empty: bool = False, ci_environ: Mapping[str, str] | None = None
) -> ValidationResult:
    """Validate ``paths`` (or the whole repository under ``root``). Finding nothing to check is an error unless
    ``allow_empty``: a typo in a path or ``--root`` must not pass as "0 errors". With ``ci_environ`` (CI mode), an
    app whose endpoints an evaluation with those environment variables could not reach is an error too."""
    if not root.is_dir():
        raise UsageError(f"--root {root}: no such folder")
    root = root.resolve()
    result = ValidationResult()
    # test set -> the corpora its gold ids must be found in (from the configs that use it, else docs/ beside it),
    # each with the loader settings that decide its document ids (ids come from the loader's own function).
    testsets: dict[Path, set[tuple[Path, str]]] = {}  # (corpus, LoaderSpec as JSON)
    files = _expand(paths, root)
    if not files and not allow_empty:
        where = ", ".join(str(p) for p in paths) if paths else f"{root}/{CONFIG_DIR} and {root}/{DATASETS_DIR}"
        raise ValidationFailed(
            f"nothing to validate in {where}: no RAG configs (*.yaml) or test sets (testsets/*.jsonl) found; "
            "check the path or --root (or pass --allow-empty when an empty selection is expected)"
        )
    if not paths:
        result.diagnostics += check_gate_defaults(root)
    for path in files:
        if path.suffix == ".jsonl":
            testsets.setdefault(path.resolve(), set())
            continue
        if path.resolve() == root / DEFAULTS_FILE:
            result.diagnostics += check_gate_defaults(root)
            continue
        loaded = read_config(path, root, _checks(ci_environ))
        result.configs += 1
        result.diagnostics += loaded.diagnostics
        if loaded.config is None:
            continue
        corpus_entry, *testset_entries = data_paths(loaded.config, root)
        corpus = corpus_entry.path
        for entry in testset_entries:
            testset = entry.path
            if testset is not None and testset.is_file():
                loader = loaded.config.spec.loader.model_dump_json()
                testsets.setdefault(testset, set()).update([(corpus, loader)] if corpus else [])
    for testset, corpora in sorted(testsets.items()):
        display = display_path(testset, root)
        loaded_set = load_testset(testset, display)
        result.testsets += 1
        result.diagnostics += loaded_set.diagnostics
        sibling = testset.parent.parent / "docs"
        default = {(sibling, LoaderSpec().model_dump_json())} if sibling.is_dir() else set()
        for corpus, loader in sorted(corpora or default):
            if not corpus.is_dir():
                continue
            try:
                ids = document_ids(corpus, LoaderSpec.model_validate_json(loader))
            except CorpusLinkError as exc:
                # The link's own path, not resolved: resolving a loop is what failed.
                where = exc.path.relative_to(root).as_posix() if exc.path.is_relative_to(root) else str(exc.path)
                link = Diagnostic(where, 1, 1, "corpus-link", exc.problem, exc.fix)
                if link not in result.diagnostics:
                    result.diagnostics.append(link)
                continue
            result.diagnostics += check_against_corpus(loaded_set, display, ids)
    return result


def check_gate_defaults(root: Path) -> list[Diagnostic]:
    """The repository's default gate policy (``gate-policy.yaml``), when it has one: a finding per problem."""
    try:
        load_defaults(root)
    except ValidationFailed as exc:
        fix = "follow schemas/gate-policy.v1.json: rules: [{metric: NAME, min|max|max_regression|...: VALUE}]"
        message = exc.message.removeprefix(f"{root / DEFAULTS_FILE}: ")
        return [Diagnostic(DEFAULTS_FILE, 0, 0, "gate-policy", message, fix)]
    return []
