"""Evaluation: per-question predictions, the metric registry, scoring into a report, and its renderers.

The answering step writes :class:`~ragops.evaluation.predictions.Prediction` records; :func:`~ragops.evaluation.
report.score` turns them and the test sets into per-question metrics and an aggregate report; ``render_md`` and
``render_html`` turn a report into the human summaries.
"""
