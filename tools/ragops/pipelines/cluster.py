"""Submit the compiled evaluation pipeline to a Kubeflow Pipelines cluster and wait for it.

The cluster runs the same checked-in IR YAML the local runner's pipeline compiles to. Its steps cannot read this
machine's files: they read the data by content hash (``cluster_data``: DVC-tracked data from the DVC remote,
git-held data from the pipeline root's content-addressed store) unless ``--corpus-uri``/``--testsets-uri`` name
folders to copy as is, and the scoring step writes the run folder to ``results_uri`` (``results``).
Authentication follows the KFP SDK: ``--host`` or ``KF_PIPELINES_ENDPOINT``, a bearer token in
``KF_PIPELINES_TOKEN`` (or the SDK's own credentials, e.g. an in-cluster service-account token).
"""

from __future__ import annotations

import json
import os
import time
import warnings
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from ragops.errors import InfrastructureError, UsageError, ValidationFailed
from ragops.evaluation.provenance import timing_conditions
from ragops.pipelines.cluster_data import ClusterData, uri_manifest
from ragops.pipelines.compile import PIPELINES, is_stale

_REMOTE_SCHEMES = ("s3://", "gs://", "minio://", "oci://", "gcs://", "abfs://", "az://")
_FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "SKIPPED", "CANCELED"})  # v2beta1RuntimeState
POLL_S = 10.0
CLUSTER_MACHINE = "Kubeflow pods"  # where a cluster run's steps time their work (its timing conditions)


@dataclass(frozen=True)
class ClusterRun:
    host: str
    run_id: str
    state: str
    url: str
    submitted_at: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def cluster_arguments(
    arguments: dict[str, Any],
    data: ClusterData | None,
    *,
    results_uri: str,
    corpus_uri: str | None = None,
    testsets_uri: str | None = None,
    object_store_secret: str | None = None,
) -> dict[str, Any]:
    """The local pipeline arguments with the data read by hash (or from the given URIs), the results location,
    and no local cache folder."""
    given = (("--corpus-uri", corpus_uri), ("--testsets-uri", testsets_uri), ("--pipeline-root", results_uri))
    for flag, value in given:
        if value and not value.startswith(_REMOTE_SCHEMES):
            raise UsageError(f"{flag} {value!r} must be a URI the cluster reads ({', '.join(_REMOTE_SCHEMES)})")
    if data is None and not (corpus_uri and testsets_uri):
        raise UsageError("give both --corpus-uri and --testsets-uri, or neither (then the data is read by hash)")
    corpus = uri_manifest(corpus_uri, "--corpus-uri") if corpus_uri else data.corpus if data else None
    testsets = uri_manifest(testsets_uri, "--testsets-uri") if testsets_uri else data.testsets if data else None
    assert corpus is not None and testsets is not None  # checked above
    # The steps time their work on the cluster's pods, not on the machine that submits.
    metadata = {**json.loads(arguments["metadata_json"]), "timing_conditions": timing_conditions(CLUSTER_MACHINE)}
    updated: dict[str, Any] = {
        "metadata_json": json.dumps(metadata, sort_keys=True),
        "corpus_manifest_json": corpus.model_dump_json(),
        "testsets_manifest_json": testsets.model_dump_json(),
        "results_uri": results_uri,
        "embedding_cache_dir": "",
        "judge_cache_dir": "",
    }
    if object_store_secret:
        updated["object_store_secret"] = object_store_secret
    return {**arguments, **updated}


def _failure(run: Any) -> str:
    """What a failed run says about why: its own error, then each failed task's."""
    messages: list[str] = []
    error = getattr(run, "error", None)
    if error is not None and getattr(error, "message", None):
        messages.append(str(error.message))
    details = getattr(run, "run_details", None)
    for task in getattr(details, "task_details", None) or []:
        task_error = getattr(task, "error", None)
        if task_error is not None and getattr(task_error, "message", None):
            messages.append(f"{task.display_name or task.task_id}: {task_error.message}")
    return "; ".join(dict.fromkeys(messages))


def submit(
    arguments: dict[str, Any],
    *,
    app: str,
    host: str | None,
    namespace: str | None,
    experiment: str,
    timeout_s: int,
    pipeline_root: str | None = None,
    poll_s: float = POLL_S,
    pipeline: str = "eval",
) -> ClusterRun:
    """Submit the checked-in ``pipeline`` (eval, or sweep), wait until it ends, and return where and how it ended."""
    # Only for cluster runs: the client pulls in the Kubernetes SDK.
    import kfp
    from kfp_server_api.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    host = host or os.environ.get("KF_PIPELINES_ENDPOINT")
    if not host:
        raise UsageError("--backend kfp needs --host URL (or KF_PIPELINES_ENDPOINT)")
    package = PIPELINES[pipeline][1]
    if is_stale(package, pipeline):
        raise ValidationFailed(f"{package} is stale; run 'ragops pipeline compile' and commit it")
    token = os.environ.get("KF_PIPELINES_TOKEN")
    _probe(host, token)
    submitted = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        with warnings.catch_warnings():
            # The SDK warns on every client that it needs KFP >= 2.0.0-beta.2; the run itself says if it does not.
            warnings.simplefilter("ignore", FutureWarning)
            client = kfp.Client(host=host, namespace=namespace or "kubeflow", existing_token=token)
        run = client.create_run_from_pipeline_package(
            str(package),
            arguments=arguments,
            run_name=f"{app}-{submitted}",
            experiment_name=experiment,
            namespace=namespace,
            pipeline_root=pipeline_root,
            enable_caching=True,
        )
        finished = _wait(client, run.run_id, timeout_s, poll_s)
    except (OSError, TimeoutError, HTTPError) as exc:
        raise InfrastructureError(f"Kubeflow Pipelines at {host} did not answer or finish: {exc}") from exc
    except ApiException as exc:
        raise InfrastructureError(
            f"Kubeflow Pipelines at {host} refused the run: {exc.status} {exc.reason}{_api_message(exc)}"
        ) from exc
    state = str(getattr(finished, "state", "UNKNOWN"))
    result = ClusterRun(host, run.run_id, state, f"{host.rstrip('/')}/#/runs/details/{run.run_id}", submitted)
    if state != "SUCCEEDED":
        why = _failure(finished)
        raise ValidationFailed(f"pipeline run {run.run_id} ended {state}{': ' + why if why else ''} ({result.url})")
    return result


def _probe(host: str, token: str | None) -> None:
    """Ask the API's health endpoint first: the SDK retries it for 25 s before saying anything, and says nothing
    useful about a rejected token."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = f"{host.rstrip('/')}/apis/v2beta1/healthz"
    try:
        response = httpx.get(url, headers=headers, timeout=30, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise InfrastructureError(f"Kubeflow Pipelines at {host} did not answer: {exc}") from exc
    if response.status_code in (401, 403) or response.is_redirect:
        raise InfrastructureError(
            f"Kubeflow Pipelines at {host} refused the credentials ({response.status_code}): set KF_PIPELINES_TOKEN "
            "to a token the cluster accepts (e.g. a service-account token with access to the namespace)"
        )
    if response.status_code != 200:
        raise InfrastructureError(f"Kubeflow Pipelines at {host} is not healthy: {url} answered {response.status_code}")


def _wait(client: Any, run_id: str, timeout_s: float, poll_s: float) -> Any:
    """Poll the run until it reaches a final state (the SDK's own wait does not treat CANCELED as final)."""
    deadline = time.monotonic() + timeout_s
    while True:
        run = client.get_run(run_id)
        if str(run.state or "").upper() in _FINAL_STATES:
            return run
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} still {run.state} after {timeout_s:.0f} s")
        time.sleep(poll_s)


def _api_message(exc: Any) -> str:
    """The server's own message from an API error body (``{"error": …, "message": …}``), if it sent one."""
    import json

    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return ""
    message = body.get("message") or body.get("error") if isinstance(body, dict) else None
    return f": {message}" if message else ""
