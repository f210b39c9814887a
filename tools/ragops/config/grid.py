"""The settings a sweep tries: the union of one or more grids, and a seeded random sample of them under a budget.

A grid is a list of axes, each a key with its values (``--set retrieval.fusion.k=5,10,20``); its settings are every
combination of one value per axis, in axis order. Several grids (``--or``) are tried together, their settings
joined in order, duplicates dropped. When more settings are valid than the budget allows, a random sample of
exactly the budget is tried — a bounded random search over the grids — drawn with a seeded generator and kept in
grid order, so the same grids, budget and seed always try the same settings.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from ragops.config.overrides import Override, Path_, Scalar, format_value
from ragops.errors import UsageError

DEFAULT_BUDGET = 20
MAX_GRID_POINTS = 100_000  # beyond this a grid is a typo, not a plan; sampling needs its points listed


@dataclass(frozen=True)
class Axis:
    path: Path_
    values: tuple[Scalar, ...]

    @property
    def key(self) -> str:
        return ".".join(self.path[1:])


Grid = tuple[Axis, ...]
Point = tuple[Override, ...]


def make_grid(axes: Sequence[tuple[Path_, Sequence[Scalar]]]) -> Grid:
    """A grid from ``(path, values)`` pairs; a key may appear once per grid."""
    seen: set[Path_] = set()
    out = []
    for path, values in axes:
        if path in seen:
            raise UsageError(f"--set {'.'.join(path[1:])} is given twice in one grid: list all its values in one --set")
        seen.add(path)
        out.append(Axis(path, tuple(values)))
    return tuple(out)


def points(grid: Grid) -> list[Point]:
    size = 1
    for axis in grid:
        size *= len(axis.values)
    if size > MAX_GRID_POINTS:
        raise UsageError(f"the grid has {size} settings (more than {MAX_GRID_POINTS}): use fewer values per --set")
    return [
        tuple(Override(axis.path, value) for axis, value in zip(grid, combination, strict=True))
        for combination in itertools.product(*(axis.values for axis in grid))
    ]


def union(grids: Sequence[Grid]) -> list[Point]:
    """Every grid's settings in order, each distinct set of overrides once."""
    out: list[Point] = []
    seen: set[tuple[tuple[Path_, str, str], ...]] = set()
    for grid in grids:
        for point in points(grid):
            key = tuple(sorted((o.path, type(o.value).__name__, format_value(o.value)) for o in point))
            if key not in seen:
                seen.add(key)
                out.append(point)
    return out


def sample(candidates: Sequence[Point], budget: int, seed: int) -> tuple[list[Point], bool]:
    """At most ``budget`` of ``candidates``, in their order; and whether it is a sample (more than the budget)."""
    if budget < 1:
        raise UsageError("--budget must be at least 1")
    if len(candidates) <= budget:
        return list(candidates), False
    chosen = sorted(random.Random(seed).sample(range(len(candidates)), budget))
    return [candidates[i] for i in chosen], True


def describe(grid: Grid) -> dict[str, list[str]]:
    return {axis.key: [format_value(v) for v in axis.values] for axis in grid}
