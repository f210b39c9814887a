"""The base-vs-head diff of an app's evaluation: pairing, statistics, what changed, and its renderers.

One concern per module: :mod:`.pairing` (which questions are compared), :mod:`.stats` (bootstrap CI and
permutation p-value), :mod:`.questions` (newly failing and fixed questions), :mod:`.what_changed` (config keys,
software, documents, timings), :mod:`.compare` (all of it, gated by :mod:`ragops.evaluation.gates`, into a
:class:`.model.DiffResult`), and its renderings: :mod:`.pr_comment` (the pull-request comment section),
:mod:`.diff_text` (the terminal), :mod:`.diff_json` (JSON).
"""
