"""Judging a canary release against the stable release on live traffic: both releases' series read from
Prometheus (the service's metrics, :mod:`ragops.serve.metrics`), judged by :mod:`ragops.evaluation.canary`."""
