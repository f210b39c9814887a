"""The token-bucket limiter, on a clock the test moves."""

from __future__ import annotations

import threading

import pytest

from ragops.serve.ratelimit import RateLimiter


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_the_wait_is_exact_and_refusals_take_nothing() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("a") == pytest.approx(0.5)  # refused requests do not dig the hole deeper
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") == pytest.approx(0.5)
    assert limiter.take("b") == 0.0  # every client has its own bucket
    clock.now += 60
    assert [limiter.take("a") for _ in range(4)][:3] == [0.0, 0.0, 0.0]  # refills up to the burst, no further


def test_clients_beyond_the_bound_are_forgotten_oldest_first() -> None:
    clock = _Clock()
    limiter = RateLimiter(rate=1.0, burst=1, max_clients=2, clock=clock)
    limiter.take("old")
    limiter.take("mid")
    limiter.take("new")
    assert limiter.clients() == 2
    assert limiter.take("mid") > 0  # still remembered, still empty
    assert limiter.take("old") == 0.0  # forgotten: a full bucket again


def test_concurrent_takes_never_exceed_the_burst() -> None:
    limiter = RateLimiter(rate=0.001, burst=50)
    allowed: list[float] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(100):
            wait = limiter.take("same")
            with lock:
                allowed.append(wait)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for w in allowed if w == 0.0) == 50


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(rate=0, burst=1)
