"""An OpenAI-compatible chat endpoint on loopback whose behaviour a test scripts: the upstream LLM of a
``ragops serve`` under test, where the monitoring tests inject real faults (held, slow, failing, ungrounded).

It answers ``POST /v1/chat/completions``. Grounded answers quote the first sentence of the first source in the
prompt (the service's context block: ``[1] (source: doc)`` then the chunk's text), so the service's answer
support is 1; ungrounded ones say something the sources do not.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import free_loopback_port

UNGROUNDED = "Purple elephants migrate across frozen lakes every winter."
_FIRST_SOURCE = re.compile(r"\[1\] \(source: [^)]*\)\n(.+?[.!?])(?:\s|$)", re.DOTALL)


@dataclass
class Behaviour:
    """What the next calls get; a test changes the fields while the server runs."""

    held: threading.Event = field(default_factory=threading.Event)  # set: answer; clear: hold every call
    delay_s: float = 0.0
    fail_every: int = 0  # every n-th call answers HTTP 500 at once (0: never)
    grounded: bool = True
    calls: int = 0

    def __post_init__(self) -> None:
        self.held.set()


def _reply(content: str) -> bytes:
    return json.dumps(
        {
            "id": "stub",
            "object": "chat.completion",
            "created": 0,
            "model": "stub",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour
    lock: threading.Lock

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        behaviour = type(self).behaviour
        with type(self).lock:
            behaviour.calls += 1
            call = behaviour.calls
        behaviour.held.wait(300)
        if behaviour.fail_every and call % behaviour.fail_every == 0:
            self._send(500, json.dumps({"error": {"message": "injected failure", "type": "server_error"}}).encode())
            return
        time.sleep(behaviour.delay_s)
        prompt = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
        match = _FIRST_SOURCE.search(prompt)
        content = match.group(1).strip() if behaviour.grounded and match else UNGROUNDED
        self._send(200, _reply(content))

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class ChatStub:
    behaviour: Behaviour
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def llm_section(self, timeout_s: float = 300) -> str:
        """The app config's ``llm:`` block for this endpoint: no retries, so an injected failure is one 5xx."""
        return (
            f"  llm:\n    provider: openai\n    model: stub\n    base_url: {self.base_url}\n"
            f"    max_retries: 0\n    timeout_s: {timeout_s}\n"
        )


@contextmanager
def chat_stub() -> Iterator[ChatStub]:
    behaviour = Behaviour()
    handler = type("Handler", (_Handler,), {"behaviour": behaviour, "lock": threading.Lock()})
    server = ThreadingHTTPServer(("127.0.0.1", free_loopback_port()), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield ChatStub(behaviour, server.server_port)
    finally:
        behaviour.held.set()
        server.shutdown()
        server.server_close()
