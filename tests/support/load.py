"""A bounded load generator for ``ragops serve`` instances: questions split between instances by fixed shares,
and feedback on every answer with a scripted down-rate per instance.

Both are exact rather than random, so a test knows what Prometheus must see: requests go to the instances by
smooth weighted round robin (after n requests each instance has had its share of n, rounded), and an instance's
k-th answer is rated down exactly when ``floor(k * down_rate)`` steps up (so after k answers, ``floor(k *
down_rate)`` of them were rated down); the others are rated up.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import httpx

# The load is many users behind one address (the test's): the service's per-client feedback limit, meant for one
# user, would refuse their ratings. Pass these to the `ragops serve` the load is sent to.
MANY_USERS_ONE_ADDRESS = ("--feedback-rate-limit", "10000", "--feedback-rate-limit-burst", "10000")


@dataclass(frozen=True)
class Arm:
    """One instance: where it is, its share of the traffic, and the share of its answers users rate down."""

    base_url: str
    share: float
    down_rate: float = 0.0


@dataclass
class ArmStats:
    answered: int = 0
    down: int = 0
    up: int = 0


class _Split:
    """Smooth weighted round robin: the next arm is the one furthest behind its share."""

    def __init__(self, shares: list[float]) -> None:
        total = sum(shares)
        self.shares = [s / total for s in shares]
        self.credit = [0.0] * len(shares)
        self.lock = threading.Lock()

    def next(self) -> int:
        with self.lock:
            self.credit = [c + s for c, s in zip(self.credit, self.shares, strict=True)]
            chosen = max(range(len(self.credit)), key=lambda i: self.credit[i])
            self.credit[chosen] -= 1.0
            return chosen


def run_load(
    arms: list[Arm],
    questions: list[str],
    *,
    requests: int | None = None,
    duration_s: float | None = None,
    concurrency: int = 4,
    timeout_s: float = 60,
    stop: threading.Event | None = None,
) -> list[ArmStats]:
    """Send ``requests`` questions (or as many as fit in ``duration_s``, or until ``stop`` is set, whichever ends
    first) with ``concurrency`` clients; returns what each arm answered and was rated."""
    assert requests is not None or duration_s is not None, "bound the load by requests or by duration"
    errors: list[BaseException] = []
    split = _Split([arm.share for arm in arms])
    stats = [ArmStats() for _ in arms]
    lock = threading.Lock()
    sent = 0
    deadline = time.monotonic() + duration_s if duration_s is not None else math.inf

    def take() -> int | None:
        nonlocal sent
        with lock:
            if (requests is not None and sent >= requests) or time.monotonic() >= deadline:
                return None
            if errors or (stop is not None and stop.is_set()):
                return None
            sent += 1
            return sent - 1

    def client() -> None:
        try:
            ask()
        except BaseException as exc:  # re-raised in the caller's thread
            with lock:
                errors.append(exc)

    def ask() -> None:
        with httpx.Client(timeout=timeout_s) as http:
            while (number := take()) is not None:
                index = split.next()
                arm, arm_stats = arms[index], stats[index]
                reply = http.post(f"{arm.base_url}/v1/query", json={"question": questions[number % len(questions)]})
                with lock:
                    if reply.status_code != 200:
                        continue
                    arm_stats.answered += 1
                    k = arm_stats.answered
                    down = math.floor(k * arm.down_rate) > math.floor((k - 1) * arm.down_rate)
                    if down:
                        arm_stats.down += 1
                    else:
                        arm_stats.up += 1
                rating = {"request_id": reply.json()["request_id"], "rating": "down" if down else "up"}
                rated = http.post(f"{arm.base_url}/v1/feedback", json=rating)
                assert rated.status_code == 200, rated.text

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return stats
