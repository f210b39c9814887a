"""The realistic synthetic run (tests.support.runs) as a fixture."""

from __future__ import annotations

import pytest

from tests.support.runs import Run, make_run


@pytest.fixture
def run() -> Run:
    return make_run()
