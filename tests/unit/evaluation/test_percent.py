"""Relative changes read the way people write them."""

from __future__ import annotations

import pytest

from ragops.evaluation.percent import percent


@pytest.mark.parametrize(
    ("fraction", "signed", "text"),
    [
        (0.0, False, "0%"),
        (0.0004, False, "0.04%"),
        (0.042, False, "4.2%"),
        (0.5, False, "50%"),
        (4.87, False, "487%"),
        (78.467294, False, "78×"),
        (-0.25, False, "−25%"),
        (0.25, True, "+25%"),
        (-0.25, True, "−25%"),
        (0.00001, True, "0%"),
    ],
)
def test_percent(fraction: float, signed: bool, text: str) -> None:
    assert percent(fraction, signed=signed) == text
