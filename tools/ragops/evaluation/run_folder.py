"""The run folder: the one owner of what an evaluation run writes and how it is read back.

A run folder holds everything needed to review, compare and promote one evaluation of one app, with no access to
the repository or the index it came from:

- ``report.json`` — the report contract (:class:`~ragops.evaluation.report.Report`);
- ``predictions.jsonl`` — one scored prediction per question;
- ``config.json`` — the normalised app config that was evaluated;
- ``index.json`` — what the index step built or reused (:class:`IndexSummary`);
- ``testsets/<name>.jsonl`` — the test-set records as evaluated, so a diff can tell edited questions apart;
- ``report.md`` and ``report.html`` — the human views.

The pipeline's scoring step writes these files, then the run is published into its final place with
:func:`publish`, which renames a complete folder into place: an interrupted run never looks complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ragops.config.models import AppConfig
from ragops.config.testset import QuestionRecord, load_testset
from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation import report as report_file
from ragops.evaluation import report_html, report_md
from ragops.evaluation.predictions import Prediction, read_jsonl, write_jsonl
from ragops.evaluation.report import Report
from ragops.files import replace_folder, temporary_sibling
from ragops.rag.personal_data import PrivacyOutcome

REPORT_JSON = "report.json"
PREDICTIONS_JSONL = "predictions.jsonl"
CONFIG_JSON = "config.json"
INDEX_JSON = "index.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
TESTSETS_DIR = "testsets"
KFP_LOG = "kfp.log"
# Present in every complete run folder; report.json is written last, so its presence marks completeness.
FILES = (PREDICTIONS_JSONL, CONFIG_JSON, INDEX_JSON, REPORT_MD, REPORT_HTML, REPORT_JSON)


class IndexSummary(BaseModel):
    """What the index step did for a run: the index's identity and how much was embedded or reused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index_id: str = Field(description="Corpus fingerprint and indexing-config hash: the identity of the index.")
    index_dir: str
    reused_index: bool = Field(description="The index folder already held this exact index.")
    documents: int = Field(ge=0)
    chunks: int = Field(ge=0)
    embedded: int = Field(ge=0, description="Chunk texts embedded by this run.")
    reused: int = Field(ge=0, description="Chunks whose vectors came from the cache or the existing index.")
    corrupt_cache_entries: int = Field(0, ge=0)
    problems: list[dict[str, str]] = Field(default_factory=list, description="Files skipped (loader.on_error).")
    notes: list[str] = Field(default_factory=list)
    seconds: float = Field(0.0, ge=0.0)
    privacy: PrivacyOutcome | None = Field(
        None, description="What spec.privacy found in the documents and did (redacted, rejected); None without it."
    )


@dataclass(frozen=True)
class RunContents:
    """Everything a run folder holds, typed."""

    report: Report
    predictions: list[Prediction]
    config: AppConfig
    index: IndexSummary
    testsets: dict[str, list[QuestionRecord]]


class RunFolder:
    """Reads and writes one run folder. Writing never prints; reading raises ValidationFailed on damage."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @property
    def report_json(self) -> Path:
        return self.path / REPORT_JSON

    @property
    def report_html(self) -> Path:
        return self.path / REPORT_HTML

    @property
    def report_md(self) -> Path:
        return self.path / REPORT_MD

    @property
    def kfp_log(self) -> Path:
        return self.path / KFP_LOG

    def is_complete(self) -> bool:
        return all((self.path / name).is_file() for name in FILES)

    def write(self, contents: RunContents) -> None:
        """Write every file of the run (the folder is created if missing); ``report.json`` goes last."""
        self.path.mkdir(parents=True, exist_ok=True)
        testsets_dir = self.path / TESTSETS_DIR
        testsets_dir.mkdir(exist_ok=True)
        for name, records in sorted(contents.testsets.items()):
            lines = "".join(record.model_dump_json(exclude_defaults=True) + "\n" for record in records)
            (testsets_dir / f"{name}.jsonl").write_text(lines, encoding="utf-8")
        write_jsonl(self.path / PREDICTIONS_JSONL, contents.predictions)
        (self.path / CONFIG_JSON).write_text(
            json.dumps(contents.config.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (self.path / INDEX_JSON).write_text(contents.index.model_dump_json(indent=2) + "\n", encoding="utf-8")
        self.report_md.write_text(
            report_md.render(contents.report, contents.predictions, contents.testsets), encoding="utf-8"
        )
        self.report_html.write_text(
            report_html.render(contents.report, contents.predictions, contents.testsets), encoding="utf-8"
        )
        report_file.write(self.report_json, contents.report)

    def _require_complete(self) -> None:
        if not self.path.is_dir():
            raise UsageError(f"{self.path}: no such run folder")
        missing = [name for name in FILES if not (self.path / name).is_file()]
        if missing:
            raise ValidationFailed(
                f"{self.path} is not a complete run folder (missing {', '.join(missing)}): "
                "re-run 'ragops eval' to produce it"
            )

    def read_report(self) -> Report:
        self._require_complete()
        return report_file.read(self.report_json)

    def read_predictions(self) -> list[Prediction]:
        self._require_complete()
        return read_jsonl(self.path / PREDICTIONS_JSONL)

    def read_config(self) -> AppConfig:
        self._require_complete()
        path = self.path / CONFIG_JSON
        try:
            return AppConfig.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ValidationFailed(
                f"{path}: not a valid normalised app config ({exc.error_count()} problem(s))"
            ) from exc

    def read_index(self) -> IndexSummary:
        self._require_complete()
        path = self.path / INDEX_JSON
        try:
            return IndexSummary.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ValidationFailed(f"{path}: not a valid index summary ({exc.error_count()} problem(s))") from exc

    def read_testsets(self) -> dict[str, list[QuestionRecord]]:
        self._require_complete()
        out: dict[str, list[QuestionRecord]] = {}
        for path in sorted((self.path / TESTSETS_DIR).glob("*.jsonl")):
            loaded = load_testset(path, str(path))
            if loaded.diagnostics:
                raise ValidationFailed(f"{path}: damaged test-set copy: {loaded.diagnostics[0].render_text()}")
            out[path.stem] = loaded.records
        return out

    def read(self) -> RunContents:
        return RunContents(
            report=self.read_report(),
            predictions=self.read_predictions(),
            config=self.read_config(),
            index=self.read_index(),
            testsets=self.read_testsets(),
        )

    def copy_into(self, target: Path) -> RunFolder:
        """Copy the run's files (and the test-set copies) into ``target``; returns the copy."""
        self._require_complete()
        (target / TESTSETS_DIR).mkdir(parents=True, exist_ok=True)
        for source in sorted((self.path / TESTSETS_DIR).glob("*.jsonl")):
            shutil.copyfile(source, target / TESTSETS_DIR / source.name)
        for name in FILES:  # report.json last, as when writing
            shutil.copyfile(self.path / name, target / name)
        return RunFolder(target)


def staging_folder(out: Path) -> Path:
    """Where a run destined for ``out`` is assembled: beside it, so the final rename stays on one file system."""
    return temporary_sibling(out, "partial")


def publish(staging: Path, out: Path) -> RunFolder:
    """Move a complete run folder from ``staging`` to ``out``, replacing a previous run there (the caller has
    checked that replacing it is allowed). The old run is renamed away first, so ``out`` is always either the old
    complete run or the new one."""
    if not RunFolder(staging).is_complete():
        raise ValidationFailed(f"{staging}: the run is incomplete; nothing was published to {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    replace_folder(staging, out)
    return RunFolder(out)


def check_out_dir(out: Path, app: str, commit: str | None, data_paths: Sequence[Path], force: bool) -> None:
    """Refuse an ``--out`` that would pollute data or silently replace someone else's run.

    ``out`` may be new, an empty folder, or a run folder of the same app and commit; anything else needs
    ``force`` (and a path inside the app's data never works: it would change the data's fingerprint).
    """
    resolved = out.resolve()
    for data in data_paths:
        data = data.resolve()
        if resolved == data or resolved.is_relative_to(data) or (data.is_dir() and data.is_relative_to(resolved)):
            raise UsageError(f"--out {out} overlaps the app's data {data}: choose a folder outside datasets/")
    if not out.exists() and not out.is_symlink():
        blocking = next((parent for parent in out.absolute().parents if parent.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise UsageError(f"--out {out}: {blocking} is a file, not a folder: choose another path")
        return
    if not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder: choose another path")
    if not any(out.iterdir()):
        return
    existing = RunFolder(out)
    if not existing.report_json.is_file():
        if force:
            return
        raise UsageError(f"--out {out} is a non-empty folder that is not a run folder: choose another, or --force")
    try:
        report = existing.read_report()
    except ValidationFailed:
        if force:
            return
        raise UsageError(f"--out {out} holds a damaged run folder: choose another, or --force to replace it") from None
    same = report.app == app and report.metadata.git_commit == commit
    if not same and not force:
        raise UsageError(
            f"--out {out} holds a run of app {report.app!r} at commit {report.metadata.git_commit or 'unknown'}; "
            f"this run is {app!r} at {commit or 'unknown'}: choose another folder, or --force to replace it"
        )
