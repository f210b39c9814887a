"""Every fixture in tests/fixtures/invalid holds one mistake and must yield exactly that error, on that line."""

from __future__ import annotations

import pytest

from ragops.app.validate import validate
from tests.conftest import FIXTURES, REPO_ROOT

INVALID = FIXTURES / "invalid"


def _expected() -> list[tuple[str, str, int]]:
    rows = []
    for line in (INVALID / "EXPECTED.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, code, number = line.split("\t")
            rows.append((name, code, int(number)))
    return rows


EXPECTED = _expected()


def test_every_fixture_is_listed_and_there_are_enough() -> None:
    on_disk = {p.relative_to(INVALID).as_posix() for p in INVALID.rglob("*") if p.suffix in {".yaml", ".jsonl"}}
    assert on_disk == {name for name, _, _ in EXPECTED}
    assert len(EXPECTED) >= 30
    assert len({code for _, code, _ in EXPECTED}) >= 15


@pytest.mark.parametrize(("name", "code", "line"), EXPECTED, ids=[row[0] for row in EXPECTED])
def test_fixture_yields_exactly_its_error(name: str, code: str, line: int) -> None:
    result = validate([INVALID / name], REPO_ROOT)
    errors = [d for d in result.diagnostics if d.is_error]
    assert [(d.code, d.line) for d in errors] == [(code, line)], [d.render_text() for d in errors]
    (error,) = errors
    assert error.file == f"tests/fixtures/invalid/{name}"
    assert error.column >= 1
    assert error.fix, "every error says how to fix it"


def test_fixture_configs_point_at_real_data() -> None:
    # The fixtures are only meaningful if their shared base is valid: check it without the mistake.
    valid = FIXTURES / "configs" / "fixture.yaml"
    result = validate([valid], REPO_ROOT)
    assert result.errors == 0, [d.render_text() for d in result.diagnostics]
