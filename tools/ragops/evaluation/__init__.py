"""Evaluation: per-question predictions, the metric registry, scoring into a report, the gates, and the reports.

The answering step writes :class:`~ragops.evaluation.predictions.Prediction` records; :func:`~ragops.evaluation.
report.score` turns them and the test sets into per-question metrics and an aggregate report; ``report_md`` and
``report_html`` turn a report into the human summaries (what both show is chosen in ``report_views``);
``gates`` checks a policy against what a change did; ``diff`` compares two runs.
"""
