"""What changed between base and head besides the metrics: config keys, the software, documents, timings.

Config keys are compared in the normalised form the runs recorded (``config.json``), flattened to dotted paths
(``spec.retrieval.top_k``; list items as ``[i]``), so a change that only reformats or comments the YAML shows
nothing, and a default made explicit shows nothing either. The software is what the runs' metadata recorded: the
ragops code fingerprint and the versions of the packages that can change a metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ragops.config.app_data import data_relatives
from ragops.config.models import AppConfig
from ragops.data.change_summary import ChangeKind, DataChangeSummary
from ragops.evaluation.diff.model import ConfigKeyChange, DataChanges, DocumentEntry, TimingDelta
from ragops.evaluation.metrics import TIMINGS
from ragops.evaluation.report import Metadata
from ragops.hashing import canonical_json

_TIMING_DIRECTION = {t.name: t.info.direction for t in TIMINGS}
_CLOCK = {t.name: t.clock for t in TIMINGS}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of a JSON structure by dotted path; empty dicts and lists are leaves too."""
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def config_changes(base: AppConfig | None, head: AppConfig) -> list[ConfigKeyChange]:
    old = flatten(base.model_dump(mode="json", by_alias=True)) if base is not None else {}
    new = flatten(head.model_dump(mode="json", by_alias=True))
    changes: list[ConfigKeyChange] = []
    for key in sorted(old.keys() | new.keys()):
        a = canonical_json(old[key]) if key in old else None
        b = canonical_json(new[key]) if key in new else None
        if a != b:
            changes.append(ConfigKeyChange(key=key, base=a, head=b))
    return changes


def software_changes(base: Metadata, head: Metadata) -> list[ConfigKeyChange]:
    """The ragops code (when both runs know theirs) and each package whose installed version differs."""
    changes: list[ConfigKeyChange] = []
    if base.code_fingerprint and head.code_fingerprint and base.code_fingerprint != head.code_fingerprint:
        changes.append(ConfigKeyChange(key="ragops code", base=base.code_fingerprint, head=head.code_fingerprint))
    old, new = base.package_versions, head.package_versions
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name):
            changes.append(ConfigKeyChange(key=f"package {name}", base=old.get(name), head=new.get(name)))
    return changes


def timing_incomparable(base: Metadata, head: Metadata) -> str | None:
    """Why the two runs' clock timings (latency, throughput) cannot be compared, or None when they can: they must
    have been measured the same way on the same kind of machine."""
    if base.timing_conditions is None or head.timing_conditions is None:
        missing = "base" if base.timing_conditions is None else "head"
        return f"the {missing} run does not record how it measured time (made by older ragops code)"
    if base.timing_conditions != head.timing_conditions:
        return f"measured under other conditions (base: {base.timing_conditions}; head: {head.timing_conditions})"
    return None


def timing_deltas(
    base: Mapping[str, float] | None, head: Mapping[str, float], incomparable: str | None = None
) -> list[TimingDelta]:
    """Every timing either run reports, in registry order (unknown names last, sorted). With ``incomparable`` (see
    :func:`timing_incomparable`) the clock timings get no delta: only counts, such as tokens, are compared."""
    names = list(head) + [n for n in (base or {}) if n not in head]
    order = {name: i for i, name in enumerate(_TIMING_DIRECTION)}
    out: list[TimingDelta] = []
    for name in sorted(names, key=lambda n: (order.get(n, len(order)), n)):
        a = base.get(name) if base is not None else None
        b = head.get(name)
        comparable = incomparable is None or not _CLOCK.get(name, True)
        delta = b - a if a is not None and b is not None and comparable else None
        relative = delta / a if delta is not None and a else None
        out.append(
            TimingDelta(
                name=name,
                direction=_TIMING_DIRECTION.get(name, "lower"),
                base=a,
                head=b,
                delta=delta,
                relative=relative,
                comparable=comparable,
            )
        )
    return out


def data_changes(summary: DataChangeSummary | None, head: AppConfig) -> DataChanges:
    """The documents of the app's corpus that changed; without a summary (two run folders), only whether the
    corpus fingerprints differ can be known, and the caller says so."""
    if summary is None:
        return DataChanges(known=False, documents=[], corpus_changed=False, notes=[])
    corpus, testsets = data_relatives(head)
    documents: list[DocumentEntry] = []
    notes: list[str] = []
    changed = False
    kinds: dict[ChangeKind, Literal["added", "removed", "modified"]] = {
        ChangeKind.ADDED: "added",
        ChangeKind.REMOVED: "removed",
        ChangeKind.MODIFIED: "modified",
    }
    for change in summary.corpora:
        if change.path != corpus:
            continue
        changed = change.changed
        if change.unavailable:
            notes.append(f"{change.path}: {change.unavailable}")
        for document in change.documents:
            documents.append(DocumentEntry(corpus=change.path, doc_id=document.doc_id, kind=kinds[document.kind]))
    for testset in summary.testsets:
        if testset.path in testsets and testset.unavailable:
            notes.append(f"{testset.path}: {testset.unavailable}")
    return DataChanges(known=True, documents=documents, corpus_changed=changed, notes=notes)
