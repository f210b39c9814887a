"""The packaged models ragops serves on loopback (the server itself runs in the e2e tests that need an LLM)."""

from __future__ import annotations

import os

import pytest

from ragops.app.local_models import PACKAGED_MODELS, model_file, pointed_at
from ragops.errors import InfrastructureError


def test_an_unknown_model_is_refused_with_the_known_ones() -> None:
    with pytest.raises(InfrastructureError, match="no packaged model is called 'gpt-4'; known: SmolLM2"):
        model_file("gpt-4")


def test_a_missing_wheel_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from ragops.app import local_models

    monkeypatch.setitem(PACKAGED_MODELS, "Absent", local_models.PackagedModel("Absent", "no-such-wheel-xyz", ".gguf"))
    with pytest.raises(
        InfrastructureError, match=r"no-such-wheel-xyz wheel, which is not installed: .*make install-llm"
    ):
        model_file("Absent")


def test_the_variable_points_at_the_server_for_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGOPS_TEST_URL", "before")
    with pointed_at("RAGOPS_TEST_URL", "http://127.0.0.1:1/v1"):
        assert os.environ["RAGOPS_TEST_URL"] == "http://127.0.0.1:1/v1"
    assert os.environ["RAGOPS_TEST_URL"] == "before"
    monkeypatch.delenv("RAGOPS_TEST_URL")
    with pointed_at("RAGOPS_TEST_URL", "x"):
        pass
    assert "RAGOPS_TEST_URL" not in os.environ
