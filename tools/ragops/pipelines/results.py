"""Results back from a cluster: the scoring step uploads the run folder to ``results_uri``; the CLI downloads it and
checks that it is the run it submitted before anything reads it as a local run.

The upload writes ``report.json`` last, so a reader that finds it finds a complete folder. The check compares the
report's provenance with what was submitted — run id, commit, dirty flag, config hash, corpus and test-set hashes
— so a stale or foreign folder at the same URI (another run, another commit, a results prefix reused by hand) is
an error, never a silently wrong diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ragops.errors import InfrastructureError, ValidationFailed
from ragops.evaluation.report import Metadata
from ragops.evaluation.run_folder import FILES, REPORT_JSON, TESTSETS_DIR, RunFolder
from ragops.pipelines.objects import is_local, open_fs

# What must match between the submission and the report that comes back.
CHECKED = ("run_id", "git_commit", "git_dirty", "config_hash", "corpus_hash", "testset_hashes")


def _run_files(folder: Path) -> list[Path]:
    """The run folder's files, report.json last."""
    files = sorted((folder / TESTSETS_DIR).glob("*.jsonl")) + [folder / n for n in FILES if n != REPORT_JSON]
    return [*files, folder / REPORT_JSON]


def upload_run_folder(folder: Path, results_uri: str) -> int:
    """Copy the run folder to ``results_uri`` (report.json last); returns the number of files."""
    fs, root = open_fs(results_uri, {})
    files = _run_files(folder)
    try:
        for path in files:
            destination = f"{root.rstrip('/')}/{path.relative_to(folder).as_posix()}"
            if is_local(fs):  # a folder store needs its folders; object stores have none
                fs.makedirs(destination.rsplit("/", 1)[0], exist_ok=True)
            fs.put_file(str(path), destination)
    except OSError as exc:
        raise InfrastructureError(f"cannot write the results to {results_uri}: {exc}") from exc
    return len(files)


def download_run_folder(results_uri: str, target: Path) -> RunFolder:
    """Copy the run folder at ``results_uri`` into ``target``; fails when the run left no complete folder there."""
    fs, root = open_fs(results_uri, {})
    base = root.rstrip("/")
    try:
        if not fs.exists(f"{base}/{REPORT_JSON}"):
            raise ValidationFailed(
                f"the run wrote no report to {results_uri} (no {REPORT_JSON}): the scoring step did not finish, or "
                "the results location is not the one the run wrote to"
            )
        names = [n for n in FILES if n != REPORT_JSON]
        testsets = [p for p in fs.find(f"{base}/{TESTSETS_DIR}") if p.endswith(".jsonl")]
        target.mkdir(parents=True, exist_ok=True)
        (target / TESTSETS_DIR).mkdir(exist_ok=True)
        for path in testsets:
            fs.get_file(path, str(target / TESTSETS_DIR / Path(path).name))
        for name in [*names, REPORT_JSON]:
            fs.get_file(f"{base}/{name}", str(target / name))
    except FileNotFoundError as exc:
        raise ValidationFailed(f"{results_uri} is not a complete run folder: {exc}") from exc
    except OSError as exc:
        raise InfrastructureError(f"cannot read the results at {results_uri}: {exc}") from exc
    return RunFolder(target)


def mismatches(report: Metadata, submitted: dict[str, Any]) -> list[str]:
    """``field: submitted … , report …`` for every checked field that differs."""
    found = report.model_dump(mode="json")
    return [
        f"{name}: submitted {json.dumps(submitted.get(name))}, report {json.dumps(found.get(name))}"
        for name in CHECKED
        if found.get(name) != submitted.get(name)
    ]


def verify(folder: RunFolder, submitted: dict[str, Any], results_uri: str) -> None:
    """Raise ``ValidationFailed`` unless the downloaded run is the one submitted (see :data:`CHECKED`)."""
    report = folder.read_report()
    different = mismatches(report.metadata, submitted)
    if different:
        raise ValidationFailed(
            f"the results at {results_uri} are not the run that was submitted ({'; '.join(different)}): "
            "refusing to use them; re-run the evaluation"
        )
