"""Promotion: turn a verified evaluation run (or a verified release of another environment) into an overlay's files.

Two ways in:

- :func:`release_from_run` builds the release of one run: its provenance (commit, config, corpus and test-set
  hashes), the published index artifact, the image, the headline metrics and the gate verdict. The caller (the
  use case in ``ragops.app.promote``) has already refused stale runs and failed gates.
- :func:`copy_release` takes the release an overlay deploys (staging, say) to another overlay (production)
  unchanged: same config bytes, same digests, same release id and time; only ``environment`` differs.

:func:`config_yaml` renders the evaluated config — the normalised config of the run folder, which is exactly
what was evaluated — as the overlay's ``app.yaml``, the file the service loads with ``--config``. Normalised
rather than the source file because a short-form source takes its app name from its file name, which in a pod
is ``app.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from ragops.config.models import AppConfig
from ragops.errors import ValidationFailed
from ragops.evaluation.report import Report
from ragops.gitops.overlay_files import OverlayState, read_overlay, write_overlay
from ragops.gitops.release import Release, ReleaseEvaluation, ReleaseIndex, release_id
from ragops.gitops.release_gate import GateVerdict

# The metrics a release records (when the run reports them), besides every metric a gate rule names.
HEADLINE_METRICS = ("hit_rate@5", "mrr", "ndcg@5", "f1", "exact_match", "answer_support", "citation_correctness")


@dataclass(frozen=True)
class Promotion:
    overlay: Path
    release: Release
    changed: list[Path]
    previous: Release | None


class _LiteralDumper(yaml.SafeDumper):
    """Multi-line strings (prompt templates) as ``|`` blocks, as a person would write them."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_LiteralDumper.add_representer(str, _string)


def config_yaml(config: AppConfig, *, commit: str, run_id: str) -> str:
    body = yaml.dump(
        config.model_dump(mode="json", by_alias=True),
        Dumper=_LiteralDumper,
        sort_keys=False,
        allow_unicode=True,
        width=120,
    )
    header = (
        f"# Written by `ragops promote`: the config of {config.name} as run {run_id} evaluated it\n"
        f"# at commit {commit},\n"
        "# normalised (every default spelled out). Edit rag-configs/, not this file: the next promotion rewrites it.\n"
    )
    return header + body


def headline_metrics(report: Report, gate_metrics: list[str]) -> dict[str, float]:
    values = {**report.timings, **report.metrics}
    names = [*HEADLINE_METRICS, *gate_metrics]
    return {name: round(values[name], 6) for name in sorted(set(names)) if name in values}


def release_from_run(
    *,
    report: Report,
    config: AppConfig,
    environment: str,
    index_uri: str,
    index_digest: str,
    image: str | None,
    created_at: datetime,
    verdict: GateVerdict,
) -> Release:
    meta = report.metadata
    if meta.git_commit is None or meta.run_id is None:
        raise ValidationFailed(
            "the run records no commit or run id: it was not made from a git checkout by 'ragops eval'"
        )
    content: dict[str, Any] = {
        "app": report.app,
        "commit": meta.git_commit,
        "config_hash": meta.config_hash,
        "corpus_hash": meta.corpus_hash,
        "testset_hashes": meta.testset_hashes,
        "index_digest": index_digest,
        "image": image,
    }
    rule_metrics = [rule.metric for rule in config.spec.evaluation.gate.rules]
    return Release(
        app=report.app,
        environment=environment,
        release_id=release_id(meta.git_commit, content),
        created_at=created_at,
        commit=meta.git_commit,
        config_hash=meta.config_hash,
        corpus_hash=meta.corpus_hash,
        testset_hashes=dict(sorted(meta.testset_hashes.items())),
        index=ReleaseIndex(uri=index_uri, digest=index_digest, index_id=meta.index_id),
        image=image,
        evaluation=ReleaseEvaluation(
            run_id=meta.run_id,
            metrics=headline_metrics(report, rule_metrics),
            gate="pass" if verdict.passed else "fail",
        ),
    )


def promote_release(overlay: Path, config_text: str, release: Release) -> Promotion:
    previous = read_overlay(overlay).release
    changed = write_overlay(overlay, config_text, release)
    return Promotion(overlay, release, changed, previous)


def copy_release(source: OverlayState, target: Path, environment: str) -> Promotion:
    """Deploy the release ``source`` holds at ``target`` too, unchanged except for its environment."""
    if source.release is None:
        raise ValidationFailed(f"{source.path}: holds no release yet (the placeholder); promote a run there first")
    if source.release.evaluation.gate != "pass":
        raise ValidationFailed(f"{source.path}: its release {source.release.release_id} failed its gate")
    release = source.release.model_copy(update={"environment": environment})
    return promote_release(target, source.config_text, release)
