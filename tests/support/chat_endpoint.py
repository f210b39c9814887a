"""An OpenAI-compatible chat-completions endpoint on loopback whose answers a test writes, and which it can hold.

For tests of what the service does around its LLM (not of an LLM): ``reply`` turns the prompt into the answer, and
while the endpoint is held every request waits until ``release()`` — so a service that warms its engine up with one
question stays "not ready" exactly as long as a test wants.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import free_loopback_port

HOLD_LIMIT_S = 300  # a held request is answered after this long even if the test never releases it


class ChatEndpoint:
    def __init__(self, reply: Callable[[str], str]) -> None:
        self.reply = reply
        self.prompts: list[str] = []
        self.arrived = threading.Event()
        self._open = threading.Event()
        self._open.set()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = str(body["messages"][-1]["content"])
                endpoint.prompts.append(prompt)
                endpoint.arrived.set()
                endpoint._open.wait(HOLD_LIMIT_S)
                answer: dict[str, Any] = {
                    "id": "c1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": endpoint.reply(prompt)},
                        }
                    ],
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                }
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_loopback_port()), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()


@contextmanager
def chat_endpoint(reply: Callable[[str], str], held: bool = False) -> Iterator[ChatEndpoint]:
    endpoint = ChatEndpoint(reply)
    if held:
        endpoint.hold()
    threading.Thread(target=endpoint.server.serve_forever, daemon=True).start()
    try:
        yield endpoint
    finally:
        endpoint.release()
        endpoint.server.shutdown()
        endpoint.server.server_close()
