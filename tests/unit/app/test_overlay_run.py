"""Running an overlay's pod as local processes: a small real overlay whose init container writes into a shared
emptyDir and whose server (a script from the overlay's own ConfigMap) is ready only once that file is there.

The real service is run the same way by tests/e2e/test_release_local.py; this one checks the runner itself
quickly: order (init before server), mapped paths, environment from ConfigMaps, readiness, the query, stopping.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from ragops.app.overlay_run import run_overlay
from ragops.cli.main import main
from ragops.errors import ValidationFailed

SERVER = textwrap.dedent(
    """
    import argparse, json, os
    from http.server import BaseHTTPRequestHandler, HTTPServer

    parser = argparse.ArgumentParser()
    parser.add_argument("--host"); parser.add_argument("--port", type=int); parser.add_argument("--index")
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)

        def do_GET(self):
            ready = os.path.exists(os.path.join(args.index, "marker"))
            self._send(200 if ready or self.path != "/readyz" else 503, {"status": "ok"})

        def do_POST(self):
            question = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["question"]
            marker = open(os.path.join(args.index, "marker")).read()
            self._send(200, {"request_id": "r1", "answer": f"{question} -> {marker} ({os.environ['GREETING']})",
                             "sources": [{"doc_id": "d1", "chunk_id": "d1#0", "score": 0.5, "start": 0, "end": 4,
                                          "cited": True}], "latency_ms": 1.0})

        def log_message(self, *args):
            pass

    HTTPServer((args.host, args.port), Handler).serve_forever()
    """
)


def _overlay(tmp_path: Path, init_command: str) -> Path:
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "server.py").write_text(SERVER, encoding="utf-8")
    (overlay / "settings.env").write_text("GREETING=hello from the ConfigMap\n", encoding="utf-8")
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "demo"},
        "spec": {
            "selector": {"matchLabels": {"app": "demo"}},
            "template": {
                "metadata": {"labels": {"app": "demo"}},
                "spec": {
                    "initContainers": [
                        {
                            "name": "prepare",
                            "image": "example",
                            "command": [sys.executable, "-c", init_command],
                            "args": ["/var/lib/demo/index"],
                            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/demo"}],
                        }
                    ],
                    "containers": [
                        {
                            "name": "server",
                            "image": "example",
                            "command": [sys.executable, "/etc/demo/server.py"],
                            "args": ["--index", "/var/lib/demo/index", "--host", "0.0.0.0", "--port", "8080"],
                            "env": [
                                {
                                    "name": "GREETING",
                                    "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "GREETING"}},
                                }
                            ],
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
                            "volumeMounts": [
                                {"name": "code", "mountPath": "/etc/demo"},
                                {"name": "data", "mountPath": "/var/lib/demo"},
                            ],
                        }
                    ],
                    "volumes": [{"name": "code", "configMap": {"name": "code"}}, {"name": "data", "emptyDir": {}}],
                },
            },
        },
    }
    (overlay / "deployment.yaml").write_text(json.dumps(deployment), encoding="utf-8")
    (overlay / "kustomization.yaml").write_text(
        "resources: [deployment.yaml]\n"
        "configMapGenerator:\n"
        "  - {name: code, files: [server.py]}\n"
        "  - {name: settings, envs: [settings.env]}\n",
        encoding="utf-8",
    )
    return overlay


WRITE_MARKER = "import os, sys; os.makedirs(sys.argv[1]); open(sys.argv[1] + '/marker', 'w').write('fetched')"


def test_the_pod_runs_init_then_server_and_answers(tmp_path: Path) -> None:
    overlay = _overlay(tmp_path, WRITE_MARKER)
    workdir = tmp_path / "work"
    result = run_overlay(overlay, question="what?", workdir=workdir, ready_timeout_s=60)
    assert result.deployment == "demo" and result.url.startswith("http://127.0.0.1:")
    assert result.answer is not None
    assert result.answer.answer == "what? -> fetched (hello from the ConfigMap)"
    assert [s.doc_id for s in result.answer.cited] == ["d1"]
    # The init container wrote where the server read: the emptyDir mapped into the work folder.
    assert (workdir / "pod" / "volumes" / "data" / "index" / "marker").read_text(encoding="utf-8") == "fetched"


def test_a_failing_init_container_stops_the_run_with_its_output(tmp_path: Path) -> None:
    overlay = _overlay(tmp_path, "import sys; print('artifact digest mismatch', file=sys.stderr); sys.exit(1)")
    with pytest.raises(ValidationFailed, match=r"init container prepare failed \(exit 1\)(.|\n)*digest mismatch"):
        run_overlay(overlay, question="what?", ready_timeout_s=60)


def test_the_cli_prints_the_answer_and_cited_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = _overlay(tmp_path, WRITE_MARKER)
    assert main(["overlay", "run", str(overlay), "--question", "why?", "--timeout", "60"]) == 0
    out = capsys.readouterr().out
    assert "A: why? -> fetched (hello from the ConfigMap)" in out
    assert "cited sources:\n  d1  d1#0  score 0.500" in out
