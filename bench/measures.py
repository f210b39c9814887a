"""The two-column table the benchmarks print: one measure a row, names aligned."""

from __future__ import annotations

from collections.abc import Sequence


def print_measures(rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(name) for name, _ in rows)
    print(f"{'measure':<{width}}  value")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
