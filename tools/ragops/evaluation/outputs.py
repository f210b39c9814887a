"""The files of an evaluation run folder, written in one place so every backend produces the same layout:
``report.json``, ``predictions.jsonl``, ``report.md`` and ``report.html``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ragops.config.testset import QuestionRecord
from ragops.evaluation import render_html, render_md
from ragops.evaluation import report as report_file
from ragops.evaluation.predictions import Prediction, write_jsonl
from ragops.evaluation.report import Report


@dataclass(frozen=True)
class RunFiles:
    report_json: Path
    predictions_jsonl: Path
    report_md: Path
    report_html: Path


def write_run(
    folder: Path,
    report: Report,
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
) -> RunFiles:
    """Write the four run files into ``folder`` (created if missing). ``predictions`` must be scored."""
    folder.mkdir(parents=True, exist_ok=True)
    files = RunFiles(
        report_json=folder / "report.json",
        predictions_jsonl=folder / "predictions.jsonl",
        report_md=folder / "report.md",
        report_html=folder / "report.html",
    )
    report_file.write(files.report_json, report)
    write_jsonl(files.predictions_jsonl, predictions)
    files.report_md.write_text(render_md.render(report, predictions, testsets), encoding="utf-8")
    files.report_html.write_text(render_html.render(report, predictions, testsets), encoding="utf-8")
    return files
