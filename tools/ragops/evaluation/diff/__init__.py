"""The base-vs-head diff of an app's evaluation: pairing, statistics, gates, what changed, and its renderers.

One concern per module: :mod:`.pairing` (which questions are compared), :mod:`.stats` (bootstrap CI and
permutation p-value), :mod:`.questions` (newly failing and fixed questions), :mod:`.changes` (config keys,
documents, timings), :mod:`.gates` (the verdict), :mod:`.compare` (all of it into a :class:`.model.DiffResult`),
and the renderers :mod:`.render_md`, :mod:`.render_text`, :mod:`.render_json`.
"""
