"""Submit the compiled evaluation pipeline to a Kubeflow Pipelines cluster and wait for it.

The cluster runs the same checked-in IR YAML the local runner's pipeline compiles to. Its steps cannot read
this machine's files, so the corpus and the test sets are given as URIs the cluster can read (s3://, gs://,
minio://), e.g. the folders your DVC remote or data pipeline publishes. Authentication follows the KFP SDK:
``--host`` or ``KF_PIPELINES_ENDPOINT``, a bearer token in ``KF_PIPELINES_TOKEN`` (or the SDK's own
credentials, e.g. an in-cluster service-account token).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ragops.errors import InfrastructureError, UsageError, ValidationFailed
from ragops.pipelines.compile import COMPILED, is_stale

_REMOTE_SCHEMES = ("s3://", "gs://", "minio://", "oci://")


@dataclass(frozen=True)
class ClusterRun:
    host: str
    run_id: str
    state: str
    url: str
    submitted_at: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def cluster_arguments(arguments: dict[str, Any], corpus_uri: str | None, testsets_uri: str | None) -> dict[str, Any]:
    """The local pipeline arguments with the data replaced by URIs the cluster reads; no local cache folder."""
    for flag, value in (("--corpus-uri", corpus_uri), ("--testsets-uri", testsets_uri)):
        if not value:
            raise UsageError(f"{flag} is required with --backend kfp: the cluster cannot read this machine's files")
        if not value.startswith(_REMOTE_SCHEMES):
            raise UsageError(f"{flag} {value!r} must be a URI the cluster reads ({', '.join(_REMOTE_SCHEMES)})")
    no_cache = {"embedding_cache_dir": "", "judge_cache_dir": ""}
    return {**arguments, "corpus_uri": corpus_uri, "testsets_uri": testsets_uri, **no_cache}


def submit(
    arguments: dict[str, Any],
    *,
    app: str,
    host: str | None,
    namespace: str | None,
    experiment: str,
    timeout_s: int,
) -> ClusterRun:
    """Submit the checked-in pipeline, wait until it ends, and return where and how it ended."""
    # Only for cluster runs: the client pulls in the Kubernetes SDK.
    import kfp
    from kfp_server_api.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    host = host or os.environ.get("KF_PIPELINES_ENDPOINT")
    if not host:
        raise UsageError("--backend kfp needs --host URL (or KF_PIPELINES_ENDPOINT)")
    if is_stale(COMPILED):
        raise ValidationFailed(f"{COMPILED} is stale; run 'ragops pipeline compile' and commit it")
    submitted = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        with warnings.catch_warnings():
            # The SDK warns on every client that it needs KFP >= 2.0.0-beta.2; the run itself says if it does not.
            warnings.simplefilter("ignore", FutureWarning)
            client = kfp.Client(
                host=host, namespace=namespace or "kubeflow", existing_token=os.environ.get("KF_PIPELINES_TOKEN")
            )
        run = client.create_run_from_pipeline_package(
            str(COMPILED),
            arguments=arguments,
            run_name=f"{app}-{submitted}",
            experiment_name=experiment,
            namespace=namespace,
            enable_caching=True,
        )
        finished = client.wait_for_run_completion(run.run_id, timeout=timeout_s)
    except (OSError, TimeoutError, HTTPError) as exc:
        raise InfrastructureError(f"Kubeflow Pipelines at {host} did not answer or finish: {exc}") from exc
    except ApiException as exc:
        raise InfrastructureError(f"Kubeflow Pipelines at {host} refused the run: {exc.status} {exc.reason}") from exc
    state = str(getattr(finished, "state", "UNKNOWN"))
    result = ClusterRun(host, run.run_id, state, f"{host.rstrip('/')}/#/runs/details/{run.run_id}", submitted)
    if state != "SUCCEEDED":
        raise ValidationFailed(f"pipeline run {run.run_id} ended {state}: {result.url}")
    return result
