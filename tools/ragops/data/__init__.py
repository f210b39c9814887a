"""Versioned data: corpora and test sets tracked by git or DVC.

``fingerprint`` gives the content hash of a corpus or test set (identical to DVC's own hashes), ``dvc`` wraps the
DVC operations ragops needs (add, status, push, pull of just the data some app configs use), ``changes`` summarises
what changed in each corpus and test set between two git refs.
"""

from __future__ import annotations

from ragops.data.fingerprint import corpus_fingerprint, file_fingerprint

__all__ = ["corpus_fingerprint", "file_fingerprint"]
