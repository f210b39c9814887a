"""A per-client token-bucket rate limiter, independent of HTTP so any endpoint's guard can use it.

Each client (any string key: a token's id, an address) has a bucket holding up to ``burst`` requests that refills at
``rate`` requests per second. A request takes one; when the bucket is empty the request is refused and told how long
until one is available (HTTP's ``Retry-After``). Buckets of clients not seen for a while are forgotten oldest first
past ``max_clients``, which bounds memory under a flood of distinct addresses (a forgotten client starts with a full
bucket again). Thread-safe; a refusal costs a dictionary lookup, so limiting is cheap enough to run before any work.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1 or max_clients < 1:
            raise ValueError("rate must be positive, burst and max_clients at least 1")
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str, cost: float = 1.0) -> float:
        """Take ``cost`` requests from ``client``'s bucket: 0.0 when allowed, else the seconds to wait (nothing is
        taken then, so a refused client that retries after that wait is served)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(client, None)
            if bucket is None:
                bucket = _Bucket(float(self.burst), now)
            else:
                bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            self._buckets[client] = bucket  # most recently seen last
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            return (cost - bucket.tokens) / self.rate

    def clients(self) -> int:
        with self._lock:
            return len(self._buckets)
