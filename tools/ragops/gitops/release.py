"""``release.json``: the manifest of one release of one app in one environment: building it from a verified
evaluation run, reading and writing it.

Promotion writes it into ``kustomize/overlays/<env>/<app>/``; the service mounts it (``ragops serve --release``)
and exports it as metrics; ``ragops release status`` reads it from git. It names everything the release is made of —
the commit, the hashes of the config, corpus and test sets that were evaluated, the index artifact (URI and sha256
digest), the image — and the evaluation that let it through (run id, headline metrics, gate verdict).

A release is written as indented JSON with the fields in a fixed order, so the same release is the same bytes.

:func:`release_from_run` builds the release of one run (the caller, ``ragops.app.promote``, has already refused
stale runs and failed gates); :func:`config_yaml` renders the evaluated config — the normalised config of the run
folder, which is exactly what was evaluated — as the overlay's ``app.yaml``, the file the service loads with
``--config``. Normalised rather than the source file because a short-form source takes its app name from its file
name, which in a pod is ``app.yaml``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_serializer

from ragops.config.models import AppConfig
from ragops.errors import UsageError, ValidationFailed
from ragops.evaluation import metrics
from ragops.evaluation.report import Report
from ragops.git import COMMIT_PATTERN
from ragops.gitops.release_gate import GateVerdict
from ragops.hashing import DIGEST_PATTERN, canonical_sha256, to_digest

SCHEMA_VERSION: Literal[1] = 1
# The all-zero digest: what an overlay holds before its first promotion. It names nothing.
PLACEHOLDER_DIGEST = to_digest("0" * 64)
# An image pinned by digest: repository@sha256:<hex> (a tag alongside is allowed by OCI but not by ragops).
IMAGE_PATTERN = rf"^[a-z0-9][a-z0-9._/:-]*@{DIGEST_PATTERN.removeprefix('^')}"


class ReleaseIndex(BaseModel):
    """The index artifact the release serves: the init container fetches ``uri`` and refuses any other digest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    uri: str = Field(min_length=1, description="Where the artifact is: …/sha256-<hex>.tar in a file:// or s3:// store.")
    digest: str = Field(
        pattern=DIGEST_PATTERN, description="sha256:<hex> of the artifact (the index folder's archive)."
    )
    index_id: str = Field(description="Corpus fingerprint and indexing-config hash the evaluated index had.")


class ReleaseEvaluation(BaseModel):
    """The evaluation run that let the release through."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str = Field(description="The run's id (report.json metadata.run_id).")
    metrics: dict[str, float] = Field(description="Headline metrics of the run: metric name → value.")
    gate: Literal["pass", "fail"] = Field(description="The gate verdict; promotion writes only passing releases.")


class Release(BaseModel):
    """``release.json`` (schema_version 1)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Release")

    schema_version: Literal[1] = SCHEMA_VERSION
    app: str = Field(min_length=1)
    environment: str = Field(min_length=1, description="The overlay's environment: staging, production.")
    release_id: str = Field(
        min_length=1, description="<commit[:12]>-<hash of the release's content>: equal releases have equal ids."
    )
    created_at: AwareDatetime = Field(
        description="The released commit's committer date (UTC), so promoting the same state twice writes the same "
        "bytes."
    )
    commit: str = Field(pattern=COMMIT_PATTERN, description="The commit that was evaluated and released.")
    config_hash: str = Field(description="Hash of the normalised app config (as in the run's report).")
    corpus_hash: str
    testset_hashes: dict[str, str] = Field(description="Test-set name → content hash.")
    index: ReleaseIndex
    image: str | None = Field(
        pattern=IMAGE_PATTERN, description="The service image, pinned by digest; null until an image is built."
    )
    evaluation: ReleaseEvaluation

    @field_serializer("created_at")
    def _utc_seconds(self, value: datetime) -> str:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def release_id(commit: str, content: dict[str, object]) -> str:
    """The id of a release: the commit and a short hash of what it is made of (config, data, index, image)."""
    return f"{commit[:12]}-{canonical_sha256(content)[:8]}"


# Where an overlay's placeholder release points its index: the init container refuses the all-zero digest anyway.
PLACEHOLDER_URI = "file:///placeholder/not-promoted-yet"


def placeholder_dumps(app: str, environment: str) -> str:
    """The ``release.json`` of an overlay that was never promoted (``read_release`` reads it as None)."""
    placeholder = {
        "schema_version": SCHEMA_VERSION,
        "app": app,
        "environment": environment,
        "release_id": "unreleased",
        "placeholder": True,
        "note": "Not promoted yet: `ragops promote` writes the release manifest here.",
        "index": {"uri": PLACEHOLDER_URI, "digest": PLACEHOLDER_DIGEST},
    }
    return json.dumps(placeholder, indent=2, ensure_ascii=False) + "\n"


def dumps(release: Release) -> str:
    return json.dumps(release.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def read_release(path: Path) -> Release | None:
    """The release in ``path``; None when the overlay holds the placeholder (never promoted)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no release manifest; is this a promoted overlay?") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the release manifest ({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed(f"{path}:{exc.lineno}: not JSON ({exc.msg}); restore it with git") from None
    if isinstance(raw, dict) and raw.get("placeholder") is True:
        return None
    try:
        return Release.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in exc.errors()[:5])
        raise ValidationFailed(f"{path}: not a valid release manifest: {problems}") from None


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
    """What a release records: the registry's headline metrics and every metric a gate rule names, as the run
    reports them (a metric the run does not report is left out)."""
    values = {**report.timings, **report.metrics}
    names = [*metrics.headline_names(report.metadata.k_values), *gate_metrics]
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
