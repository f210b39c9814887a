"""The base run of the diff tests as a fixture (its degraded head: tests.support.runs.degrade)."""

from __future__ import annotations

import pytest

from tests.support.runs import Run, make_run


@pytest.fixture
def base_run() -> Run:
    return make_run()
