"""The settings a sweep tries: grids as products, their union without duplicates, a seeded sample under a budget."""

from __future__ import annotations

import pytest

from ragops.config.grid import make_grid, points, sample, union
from ragops.errors import UsageError

K = ("spec", "retrieval", "fusion", "k")
W = ("spec", "retrieval", "fusion", "text_weight")
MODE = ("spec", "retrieval", "mode")


def _values(point: tuple[object, ...]) -> list[object]:
    return [o.value for o in point]  # type: ignore[attr-defined]


def test_a_grid_is_every_combination_in_axis_order() -> None:
    grid = make_grid([(K, [5, 10]), (W, [0.5, 1.0, 2.0])])
    assert [_values(p) for p in points(grid)] == [[5, 0.5], [5, 1.0], [5, 2.0], [10, 0.5], [10, 1.0], [10, 2.0]]
    with pytest.raises(UsageError, match="given twice in one grid"):
        make_grid([(K, [5]), (K, [10])])


def test_the_union_of_grids_drops_repeated_points() -> None:
    first = make_grid([(MODE, ["vector", "text"])])
    second = make_grid([(MODE, ["text", "hybrid"])])
    assert [_values(p) for p in union([first, second])] == [["vector"], ["text"], ["hybrid"]]


def test_a_sample_is_seeded_bounded_and_keeps_grid_order() -> None:
    grid = union([make_grid([(K, list(range(1, 31)))])])
    chosen, sampled = sample(grid, 5, seed=7)
    again, _ = sample(grid, 5, seed=7)
    other, _ = sample(grid, 5, seed=8)
    assert sampled and len(chosen) == 5 and chosen == again and chosen != other
    assert [_values(p) for p in chosen] == sorted(_values(p) for p in chosen)
    assert sample(grid[:3], 5, seed=7) == (grid[:3], False)
    with pytest.raises(UsageError, match="--budget must be at least 1"):
        sample(grid, 0, seed=0)
