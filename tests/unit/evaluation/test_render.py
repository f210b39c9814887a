"""The Markdown and HTML reports show the report's numbers, escape user text and need no network."""

from __future__ import annotations

import re

from markupsafe import escape

from ragops.evaluation import report_html, report_md, svg
from ragops.evaluation.report import Metadata, Report
from ragops.evaluation.report_views import fmt
from ragops.evaluation.scoring import Scoring, build_report, score
from ragops.rag.personal_data import PrivacyOutcome
from tests.support.runs import Run

K_VALUES = [1, 5, 10]


def _scored(run: Run) -> tuple[Report, Scoring]:
    hostile = run.predictions[0].model_copy(update={"question": "Is <b>x</b> | y?", "answer": "<script>x</script>"})
    scoring = score([hostile, *run.predictions[1:]], run.testsets, K_VALUES, wall_seconds=3.0)
    metadata = Metadata(
        git_commit=None,
        config_hash="cfg",
        corpus_hash="corpus",
        testset_hashes={},
        index_id="idx",
        k_values=K_VALUES,
        package_versions={},
        models={},
    )
    return build_report(scoring, app="demo", metadata=metadata), scoring


def test_markdown_has_every_metric_and_the_breakdowns(run: Run) -> None:
    report, scoring = _scored(run)
    text = report_md.render(report, scoring.predictions, run.testsets, worst_count=5)
    for name, value in report.metrics.items():
        assert f"| {name} | {fmt(value)} |" in text
    assert f"| alpha | 45 | {fmt(report.breakdowns.testsets['alpha']['hit_rate@5'])} |" in text
    assert "## By tag" in text and "| numeric |" in text
    assert "## Worst 5 questions" in text
    assert "questions_per_second" in text
    everything = report_md.render(report, scoring.predictions, run.testsets, worst_count=len(scoring.predictions))
    # GitHub renders inline HTML and a bare pipe would end the cell: both are escaped.
    assert "| Is &lt;b&gt;x&lt;/b&gt; \\| y? | &lt;script&gt;x&lt;/script&gt; |" in everything


def test_html_is_self_contained_and_escapes_user_text(run: Run) -> None:
    report, scoring = _scored(run)
    page = report_html.render(report, scoring.predictions, run.testsets)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page  # the hostile answer is escaped, and the page has no scripts of its own
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "Is &lt;b&gt;x&lt;/b&gt; | y?" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page)
    assert page.count("<svg") == 2
    assert f'<td>f1</td><td class="num">{fmt(report.metrics["f1"])}</td>' in page
    assert page.count("<details>") == len(scoring.predictions)


def test_html_escapes_a_script_in_a_question_and_in_every_other_user_field(run: Run) -> None:
    script = "<script>alert(1)</script>"
    hostile = run.predictions[0].model_copy(
        update={
            "question": f"What does {script} do?",
            "context": f"</div>{script}",
            "retrieved_doc_ids": ['"><img src=x onerror=alert(1)>', *run.predictions[0].retrieved_doc_ids],
        }
    )
    scoring = score([hostile, *run.predictions[1:]], run.testsets, K_VALUES, wall_seconds=1.0)
    report, _ = _scored(run)
    page = report_html.render(report.model_copy(update={"app": script}), scoring.predictions, run.testsets)
    assert "<script" not in page and "<img" not in page
    assert f"<summary>What does {escape(script)} do?</summary>" in page
    assert f"<div class='context'>&lt;/div&gt;{escape(script)}</div>" in page
    assert escape('"><img src=x onerror=alert(1)>') in page
    assert f"<title>Evaluation: {escape(script)}</title>" in page


def test_renderers_are_deterministic(run: Run) -> None:
    report, scoring = _scored(run)
    assert report_html.render(report, scoring.predictions, run.testsets) == report_html.render(
        report, scoring.predictions, run.testsets
    )
    assert report_md.render(report, scoring.predictions, run.testsets) == report_md.render(
        report, scoring.predictions, run.testsets
    )


def test_histogram_bins() -> None:
    chart = svg.histogram([0.0, 0.05, 0.5, 1.0, 1.0], title="F1", bins=10)
    labels = re.findall(r'text-anchor="middle">(\d+)</text>', chart)
    counts = [int(label) for label in labels]  # the axis labels (0.0 … 0.9) do not match \d+ alone
    assert counts == [2, 0, 0, 0, 0, 1, 0, 0, 0, 2]


def test_both_reports_say_how_much_personal_data_ingest_redacted(run: Run) -> None:
    report, scoring = _scored(run)
    outcome = PrivacyOutcome("redact", {"email": 3, "phone": 1}, 2, 4, [])
    private = report.model_copy(update={"metadata": report.metadata.model_copy(update={"privacy": outcome})})
    line = "Personal data in the documents: 4 value(s) in 2 document(s) (email 3, phone 1), 4 redacted."
    assert line in report_md.render(private, scoring.predictions, run.testsets)
    assert line in report_html.render(private, scoring.predictions, run.testsets)
    assert "Personal data" not in report_md.render(report, scoring.predictions, run.testsets)
    assert '"privacy"' not in report.model_dump_json()  # reports of apps without spec.privacy are unchanged
    assert Report.model_validate_json(private.model_dump_json()).metadata.privacy == outcome
