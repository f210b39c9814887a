"""How many CPUs the service may use (affinity, cgroup quota) and how it divides them between batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from ragops.serve.cpus import MAX_DEFAULT_BATCHES, available_cpus, batch_threads, cgroup_cpus


@pytest.mark.parametrize(
    ("v2", "expected"),
    [("max 100000\n", None), ("200000 100000\n", 2.0), ("150000 100000", 1.5), ("garbage", None), ("", None)],
)
def test_cgroup_v2_quota(tmp_path: Path, v2: str, expected: float | None) -> None:
    (tmp_path / "cpu.max").write_text(v2, encoding="ascii")
    assert cgroup_cpus(tmp_path / "cpu.max", (tmp_path / "no", tmp_path / "no")) == expected


def test_cgroup_v1_quota_and_no_cgroup(tmp_path: Path) -> None:
    quota, period = tmp_path / "cpu.cfs_quota_us", tmp_path / "cpu.cfs_period_us"
    quota.write_text("300000\n", encoding="ascii")
    period.write_text("100000\n", encoding="ascii")
    assert cgroup_cpus(tmp_path / "absent", (quota, period)) == 3.0
    quota.write_text("-1\n", encoding="ascii")
    assert cgroup_cpus(tmp_path / "absent", (quota, period)) is None
    assert cgroup_cpus(tmp_path / "absent", (tmp_path / "absent", period)) is None


def test_this_process_has_at_least_one_cpu() -> None:
    assert available_cpus() >= 1


@pytest.mark.parametrize(
    ("cpus", "workers", "threads", "compute", "expected"),
    [
        (2, 1, None, None, (2, 1)),  # two batches side by side, one thread each
        (1, 1, None, None, (1, 1)),
        (16, 1, None, None, (MAX_DEFAULT_BATCHES, 16 // MAX_DEFAULT_BATCHES)),
        (8, 2, None, None, (4, 1)),  # each worker process gets its share
        (2, 4, None, None, (1, 1)),  # more workers than CPUs: never zero
        (8, 1, 1, None, (1, 8)),  # one batch at a time uses every CPU
        (8, 1, 2, 3, (2, 3)),  # what the operator says wins
    ],
)
def test_batch_threads(
    cpus: int, workers: int, threads: int | None, compute: int | None, expected: tuple[int, int]
) -> None:
    assert batch_threads(cpus, workers, threads, compute) == expected
