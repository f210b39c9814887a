"""How many CPUs this process may use, and how the service divides them between batches.

A container sees every core of its node in ``os.cpu_count()``; what it may use is its CPU affinity and, under
Kubernetes, its cgroup CPU quota (``resources.limits.cpu``). Threads beyond that only contend.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

# cgroup v2 (`cpu.max`: "<quota> <period>" or "max <period>"), then cgroup v1.
_CGROUP_V2 = Path("/sys/fs/cgroup/cpu.max")
_CGROUP_V1 = (Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))
# Batches answered side by side by default: more only splits the load into smaller, less efficient batches.
MAX_DEFAULT_BATCHES = 4


def _quota(text: str, period_text: str | None = None) -> float | None:
    """CPUs a cgroup quota allows, or None for no quota."""
    fields = text.split()
    if not fields or fields[0] in ("max", "-1"):
        return None
    try:
        quota = float(fields[0])
        period = float(period_text if period_text is not None else fields[1])
    except (IndexError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def cgroup_cpus(v2: Path = _CGROUP_V2, v1: tuple[Path, Path] = _CGROUP_V1) -> float | None:
    try:
        return _quota(v2.read_text(encoding="ascii"))
    except OSError:
        pass
    try:
        return _quota(v1[0].read_text(encoding="ascii"), v1[1].read_text(encoding="ascii"))
    except OSError:
        return None


def available_cpus() -> int:
    """CPUs this process may run on: its affinity, capped by a cgroup quota (rounded up), at least 1."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cgroup_cpus()
    return max(1, min(affinity, math.ceil(quota)) if quota is not None else affinity)


def batch_threads(cpus: int, workers: int, threads: int | None, compute_threads: int | None) -> tuple[int, int]:
    """(batches answered at once per worker, CPU threads the model uses per batch).

    By default each worker gets its share of the CPUs, answers up to that many batches side by side (at most
    :data:`MAX_DEFAULT_BATCHES`), and each batch's model call uses what is left: on 2 CPUs two batches of one
    thread each, which answers small batches faster than one batch on both (bench/bench_serve.py)."""
    share = max(1, cpus // workers)
    batches = threads if threads is not None else min(share, MAX_DEFAULT_BATCHES)
    return batches, compute_threads if compute_threads is not None else max(1, share // batches)
