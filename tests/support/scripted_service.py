"""A misbehaving service on loopback, for the faults of ``ragops eval --endpoint``: a real HTTP server whose
``/v1/query`` answer is chosen by the question asked, so one run meets every kind of failure.

Questions (prefixes): ``ok`` — a valid answer; ``flaky`` — 503 on the first attempt, then a valid answer;
``garbage`` — 200 with a body that is not JSON; ``wrong`` — 200 with JSON missing the answer; ``error`` — 500;
``slow`` — a valid answer after ``SLOW_S`` seconds. ``/readyz`` is 200 and ``/metrics`` names release ``r-scripted``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_S = 2.0
RELEASE = "r-scripted"
DIGEST = "sha256:" + "ab" * 32
METRICS = (
    "# HELP ragops_release_info The release being served (always 1)\n"
    "# TYPE ragops_release_info gauge\n"
    f'ragops_release_info{{app="tiny",environment="staging",release="{RELEASE}",commit="c",'
    f'index_digest="{DIGEST}",config_hash="h"}} 1.0\n'
    "# HELP ragops_index_chunks Chunks in the served index\n# TYPE ragops_index_chunks gauge\n"
    "ragops_index_chunks 7.0\n"
)


def valid_answer(question: str) -> dict[str, object]:
    return {
        "request_id": "r1",
        "answer": f"answer to {question}",
        "sources": [{"doc_id": "alpha", "chunk_id": "alpha#0", "score": 0.5, "start": 0, "end": 10, "cited": True}],
        "latency_ms": {"retrieve": 1.0, "generate": 1.0, "total": 2.0},
        "detail": {"context": "alpha text", "citations": ["alpha"], "prompt_tokens": 0, "completion_tokens": 0},
    }


@contextmanager
def scripted_service() -> Iterator[tuple[str, dict[str, int]]]:
    """Yields the base URL and the attempts each question got."""
    attempts: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout): expected
                pass

        def do_GET(self) -> None:
            if self.path == "/readyz":
                self._send(200, b'{"status":"ready"}')
            elif self.path == "/metrics":
                self._send(200, METRICS.encode(), "text/plain; version=0.0.4")
            else:
                self._send(404, b"{}")

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            question: str = body["question"]
            with lock:
                attempts[question] = attempts.get(question, 0) + 1
                attempt = attempts[question]
            if question.startswith("flaky") and attempt == 1:
                self._send(503, b'{"status":"unavailable","detail":"loading"}')
            elif question.startswith("garbage"):
                self._send(200, b"<html>a proxy error page</html>", "text/html")
            elif question.startswith("wrong"):
                self._send(200, json.dumps({"request_id": "r", "sources": []}).encode())
            elif question.startswith("error"):
                self._send(500, b'{"detail":"Internal Server Error"}')
            else:
                if question.startswith("slow"):
                    time.sleep(SLOW_S)
                self._send(200, json.dumps(valid_answer(question)).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", attempts
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
