"""``report.html``: one self-contained page (inline CSS and SVG, no scripts, no network) with the summary,
two charts and a per-question drill-down: question, answer, references, gold and retrieved documents, metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from ragops.config.testset import QuestionRecord
from ragops.evaluation.predictions import Prediction
from ragops.evaluation.report import Report
from ragops.evaluation.svg import bar_chart, histogram
from ragops.evaluation.views import fmt, fmt_timing, headline_k, headline_names, metric_rows, worst

_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.gold { font-weight: bold; color: #1a7f37; }
.context { white-space: pre-wrap; max-width: 60em; font-size: 90%; background: #f6f8fa; padding: 6px; }
"""


def render(
    report: Report,
    predictions: Sequence[Prediction],
    testsets: Mapping[str, Sequence[QuestionRecord]],
    *,
    k: int | None = None,
) -> str:
    """The HTML page. ``predictions`` must be scored; they are listed worst first."""
    cut = headline_k(report, k)
    names = headline_names(report, cut)
    title = f"Evaluation: {report.app}"
    meta = report.metadata
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p>{report.counts.questions} questions in {len(report.counts.testsets)} test set(s) · commit "
        f"<code>{escape(meta.git_commit or 'none')}</code> · config <code>{escape(meta.config_hash)}</code> · "
        f"index <code>{escape(meta.index_id)}</code></p>",
        "<h2>Metrics</h2>",
        _rows(
            ["metric", "value", "better", "role", "questions"],
            [list(row) for row in metric_rows(report)],
            numeric={1, 4},
        ),
        bar_chart([(n, report.metrics[n]) for n in names], title=f"Headline metrics (k = {cut})"),
        histogram(
            [p.metrics["f1"] for p in predictions if "f1" in p.metrics], title="Per-question F1 (questions per bin)"
        ),
    ]
    if report.timings:
        body += [
            "<h2>Timings</h2>",
            _rows(["measure", "value"], [[n, fmt_timing(v)] for n, v in report.timings.items()], numeric={1}),
        ]
    body += ["<h2>By test set</h2>", _breakdown("test set", report.breakdowns.testsets, report.counts.testsets, names)]
    if report.breakdowns.tags:
        body += ["<h2>By tag</h2>", _breakdown("tag", report.breakdowns.tags, report.counts.tags, names)]
    body += ["<h2>Questions (worst first)</h2>", _questions(predictions, testsets, cut)]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _rows(header: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    """A table of plain-text cells (escaped here)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = [f"<table>\n<tr>{head}</tr>"]
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>" for i, c in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</table>")
    return "\n".join(lines)


def _breakdown(
    label: str, groups: Mapping[str, Mapping[str, float]], counts: Mapping[str, int], names: list[str]
) -> str:
    rows = [[group, str(counts[group])] + [fmt(v[n]) if n in v else "–" for n in names] for group, v in groups.items()]
    return _rows([label, "questions", *names], rows, numeric=set(range(1, len(names) + 2)))


def _questions(predictions: Sequence[Prediction], testsets: Mapping[str, Sequence[QuestionRecord]], k: int) -> str:
    records = {(name, r.id): r for name, rs in testsets.items() for r in rs}
    hit = f"hit_rate@{k}"
    head = "".join(
        f"<th>{h}</th>"
        for h in ["test set", "id", "question", "answer", "references", "gold docs", "retrieved docs", "f1", hit]
    )
    lines = [f"<table>\n<tr>{head}</tr>"]
    for p in worst(predictions, len(predictions), k):
        record = records.get(p.key)
        gold = set(record.gold_doc_ids) if record else set()
        retrieved = ", ".join(
            f'<span class="gold">{escape(d)}</span>' if d in gold else escape(d) for d in p.retrieved_doc_ids
        )
        metrics = "".join(f"<tr><td>{escape(n)}</td><td class='num'>{fmt(v)}</td></tr>" for n, v in p.metrics.items())
        detail = (
            f"<details><summary>{escape(p.question)}</summary>"
            f"<table>{metrics}</table><div class='context'>{escape(p.context)}</div></details>"
        )
        cells = [
            escape(p.testset),
            escape(p.id),
            detail,
            escape(p.answer),
            "<br>".join(escape(a) for a in record.answers) if record else "",
            ", ".join(escape(d) for d in record.gold_doc_ids) if record else "",
            retrieved,
        ]
        nums = [fmt(p.metrics.get("f1", 0.0)), fmt(p.metrics.get(hit, 0.0))]
        lines.append(
            "<tr>"
            + "".join(f"<td>{c}</td>" for c in cells)
            + "".join(f'<td class="num">{n}</td>' for n in nums)
            + "</tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)
