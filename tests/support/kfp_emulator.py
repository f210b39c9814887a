"""A small Kubeflow Pipelines API emulator: the v2beta1 endpoints the KFP SDK's ``kfp.Client`` calls to submit a
pipeline and wait for it, on a real HTTP server on 127.0.0.1 — and a "cluster" behind it that really runs the
submitted pipeline spec on the KFP local runner.

Endpoints (shapes follow KFP's published API description, ``backend/api/v2beta1/swagger/`` of kubeflow/pipelines;
``tests/fixtures/kfp-api/`` keeps it and a test validates every request and response against it):

- ``GET /apis/v2beta1/healthz`` — ``{multi_user, pipeline_store}``
- ``GET /apis/v2beta1/experiments`` (``filter`` on ``display_name``, ``namespace``) and ``POST`` there;
  ``GET /apis/v2beta1/experiments/{id}``
- ``POST /apis/v2beta1/runs`` — a run with an inline ``pipeline_spec`` (as the SDK sends it: the pipeline spec,
  or ``{pipeline_spec, platform_spec}``) and ``runtime_config.parameters``; ``GET /apis/v2beta1/runs/{id}``

Errors answer ``googleRpcStatus`` bodies (``{code, message, details}``) with the HTTP status grpc-gateway maps the
code to. A token, when set, is required as ``Authorization: Bearer …`` (401 otherwise). ``reject_runs`` makes run
creation answer 400 with a message (an admission webhook, a quota, an invalid spec on a real cluster).

When a run is created, the spec is written to a folder and executed in a subprocess (``python -m
tests.support.kfp_emulator run …``) with the KFP local runner (``SubprocessRunner(use_venv=False)``) and the run's
parameters, in this process's environment (so ``AWS_ENDPOINT_URL`` and credentials reach the steps as a Kubernetes
secret would). The run goes PENDING → RUNNING → SUCCEEDED or FAILED; a failed run carries the failing step's
error message in ``error`` and in ``run_details.task_details``, as KFP reports it. ``before_run`` (a callable
taking the run's parameters) lets a test change the world between submission and execution.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

API = "/apis/v2beta1"
_REPO_ROOT = Path(__file__).resolve().parents[2]
_RUN = re.compile(rf"^{API}/runs/([\w-]+)$")
_EXPERIMENT = re.compile(rf"^{API}/experiments/([\w-]+)$")
# The last ragops error (or any exception line) a failed step printed.
_STEP_ERROR = re.compile(r"^\s*(?:[\w.]+\.)?(\w+(?:Error|Failed|Exception)): (.+)$", re.MULTILINE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# grpc code → HTTP status, as grpc-gateway maps them.
_HTTP = {3: 400, 5: 404, 16: 401}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rpc_status(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "details": []}


@dataclass
class Exchange:
    """One request and its answer, for the contract test."""

    method: str
    path: str
    status: int
    request: Any
    response: Any


@dataclass
class EmulatedRun:
    body: dict[str, Any]
    log: Path
    done: threading.Event = field(default_factory=threading.Event)


class KfpEmulator:
    def __init__(
        self,
        workdir: Path,
        *,
        token: str | None = None,
        reject_runs: str | None = None,
        before_run: Callable[[dict[str, Any]], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.workdir = workdir
        self.token = token
        self.reject_runs = reject_runs
        self.before_run = before_run
        self.env = env
        self.exchanges: list[Exchange] = []
        self.experiments: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, EmulatedRun] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> KfpEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for run in list(self.runs.values()):
            run.done.wait(timeout=600)
        self._server.shutdown()
        self._server.server_close()

    # --- the API ----------------------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], payload: Any) -> tuple[int, Any]:
        url = urlsplit(target)
        path, query = url.path, {k: v[0] for k, v in parse_qs(url.query).items()}
        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            return 401, rpc_status(16, "Unauthenticated: no valid bearer token")
        if method == "GET" and path == f"{API}/healthz":
            return 200, {"multi_user": False, "pipeline_store": "database"}
        if path == f"{API}/experiments":
            if method == "GET":
                return 200, self._list_experiments(query)
            if method == "POST":
                return self._create_experiment(payload)
        if method == "GET" and (found := _EXPERIMENT.match(path)):
            experiment = self.experiments.get(found.group(1))
            return (200, experiment) if experiment else (404, rpc_status(5, f"experiment {found.group(1)} not found"))
        if method == "POST" and path == f"{API}/runs":
            return self._create_run(payload)
        if method == "GET" and (found := _RUN.match(path)):
            run = self.runs.get(found.group(1))
            with self._lock:
                return (200, dict(run.body)) if run else (404, rpc_status(5, f"run {found.group(1)} not found"))
        return 404, rpc_status(5, f"{method} {path}: not implemented by the emulator")

    def _list_experiments(self, query: dict[str, str]) -> dict[str, Any]:
        wanted: str | None = None
        if "filter" in query:
            for predicate in json.loads(query["filter"]).get("predicates", []):
                if predicate.get("key") in ("display_name", "name") and predicate.get("operation") == "EQUALS":
                    wanted = predicate.get("string_value") or predicate.get("stringValue")
        found = [
            e
            for e in self.experiments.values()
            if (wanted is None or e["display_name"] == wanted)
            and (not query.get("namespace") or e.get("namespace") == query["namespace"])
        ]
        return {"experiments": found, "total_size": len(found)} if found else {"total_size": 0}

    def _create_experiment(self, payload: Any) -> tuple[int, Any]:
        if not isinstance(payload, dict) or not payload.get("display_name"):
            return 400, rpc_status(3, "Invalid input error: experiment display_name is required")
        experiment_id = str(uuid.UUID(int=next(self._ids)))
        experiment = {
            "experiment_id": experiment_id,
            "display_name": payload["display_name"],
            "description": payload.get("description", ""),
            "created_at": _now(),
            "namespace": payload.get("namespace", ""),
            "storage_state": "AVAILABLE",
        }
        self.experiments[experiment_id] = experiment
        return 200, experiment

    def _create_run(self, payload: Any) -> tuple[int, Any]:
        if not isinstance(payload, dict) or not payload.get("display_name"):
            return 400, rpc_status(3, "Invalid input error: run display_name is required")
        if not isinstance(payload.get("pipeline_spec"), dict):
            return 400, rpc_status(3, "Invalid input error: the emulator runs inline pipeline_spec only")
        if payload.get("experiment_id") and payload["experiment_id"] not in self.experiments:
            return 404, rpc_status(5, f"experiment {payload['experiment_id']} not found")
        if self.reject_runs is not None:
            return 400, rpc_status(3, self.reject_runs)
        run_id = str(uuid.uuid4())
        body = {
            "experiment_id": payload.get("experiment_id", ""),
            "run_id": run_id,
            "display_name": payload["display_name"],
            "storage_state": "AVAILABLE",
            "pipeline_spec": payload["pipeline_spec"],
            "runtime_config": payload.get("runtime_config", {}),
            "service_account": payload.get("service_account", "pipeline-runner"),
            "created_at": _now(),
            "scheduled_at": _now(),
            "state": "PENDING",
            "state_history": [{"update_time": _now(), "state": "PENDING"}],
        }
        folder = self.workdir / run_id
        folder.mkdir(parents=True)
        run = EmulatedRun(body, folder / "run.log")
        self.runs[run_id] = run
        threading.Thread(target=self._execute, args=(run, folder), daemon=True).start()
        return 200, dict(body)

    # --- the "cluster" --------------------------------------------------------------------------------------------

    def _set_state(self, run: EmulatedRun, state: str, **extra: Any) -> None:
        with self._lock:
            run.body = {
                **run.body,
                **extra,
                "state": state,
                "state_history": [*run.body["state_history"], {"update_time": _now(), "state": state}],
            }

    def _execute(self, run: EmulatedRun, folder: Path) -> None:
        try:
            spec = run.body["pipeline_spec"]
            pipeline = spec.get("pipeline_spec", spec)  # the SDK nests it when there is a platform spec
            parameters = run.body.get("runtime_config", {}).get("parameters", {})
            (folder / "pipeline.json").write_text(json.dumps(pipeline), encoding="utf-8")
            (folder / "parameters.json").write_text(json.dumps(parameters), encoding="utf-8")
            if self.before_run is not None:
                self.before_run(parameters)
            self._set_state(run, "RUNNING")
            command = [sys.executable, "-m", "tests.support.kfp_emulator", "run", str(folder)]
            env = {**os.environ, **(self.env or {})}
            with run.log.open("w", encoding="utf-8") as log:
                done = subprocess.run(
                    command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=_REPO_ROOT, check=False
                )
            if done.returncode == 0:
                self._set_state(run, "SUCCEEDED", finished_at=_now())
            else:
                message = step_error(run.log.read_text(encoding="utf-8", errors="replace"))
                task = {
                    "run_id": run.body["run_id"],
                    "task_id": str(uuid.uuid4()),
                    "display_name": message[0],
                    "state": "FAILED",
                    "error": rpc_status(2, message[1]),
                }
                self._set_state(
                    run,
                    "FAILED",
                    finished_at=_now(),
                    error=rpc_status(2, f"task {message[0]} failed"),
                    run_details={"task_details": [task]},
                )
        finally:
            run.done.set()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read emulator.exchanges
                pass

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    status, body = 400, rpc_status(3, "body is not JSON")
                else:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status, body = emulator.handle(method, self.path, headers, payload)
                    emulator.exchanges.append(Exchange(method, urlsplit(self.path).path, status, payload, body))
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def step_error(log: str) -> tuple[str, str]:
    """(failed task, its error message) from a local-runner log."""
    text = _ANSI.sub("", log)
    tasks = re.findall(r"Task '?([\w-]+)'? finished with status FAILURE", text)
    errors = _STEP_ERROR.findall(text)
    ragops = [(kind, message) for kind, message in errors if kind in ("ValidationFailed", "InfrastructureError")]
    kind, message = (ragops or errors or [("Error", "the step failed; see its log")])[-1]
    return (tasks[-1] if tasks else "pipeline"), f"{kind}: {message}"


def _run(folder: Path) -> int:
    """Execute ``pipeline.json`` with ``parameters.json`` on the KFP local runner (the emulated cluster)."""
    from kfp import components, local

    spec_path = folder / "pipeline.yaml"
    spec_path.write_text((folder / "pipeline.json").read_text(encoding="utf-8"), encoding="utf-8")  # JSON is YAML
    parameters = json.loads((folder / "parameters.json").read_text(encoding="utf-8"))
    cluster = Path(os.environ.get("KFP_EMULATOR_STATE", tempfile.gettempdir())) / "kfp-emulator"
    local.init(
        runner=local.SubprocessRunner(use_venv=False),
        pipeline_root=str(folder / "pipeline-root"),
        enable_caching=True,
        cache_root=str(cluster / "cache"),
        raise_on_error=True,
    )
    pipeline = components.load_component_from_file(str(spec_path))
    pipeline(**parameters)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "run":
        sys.exit(_run(Path(sys.argv[2])))
    sys.exit("usage: python -m tests.support.kfp_emulator run FOLDER")
