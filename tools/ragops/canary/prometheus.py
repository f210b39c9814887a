"""A small client of Prometheus's HTTP API: instant queries, every failure a clear ``InfrastructureError``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import httpx

from ragops.errors import InfrastructureError, UsageError


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


class PrometheusClient:
    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise UsageError(f"--prometheus {url}: give the server's http:// or https:// URL")
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        self.http.close()

    def query(self, promql: str, at: float | None = None) -> list[Sample]:
        """The instant vector ``promql`` evaluates to now (or at Unix time ``at``)."""
        params: dict[str, str] = {"query": promql}
        if at is not None:
            params["time"] = f"{at:.3f}"
        endpoint = f"{self.url}/api/v1/query"
        try:
            reply = self.http.get(endpoint, params=params)
        except httpx.HTTPError as exc:
            raise InfrastructureError(f"cannot reach Prometheus at {self.url}: {exc}") from exc
        try:
            body = reply.json()
        except ValueError:
            raise InfrastructureError(
                f"{endpoint} answered HTTP {reply.status_code} without JSON: is {self.url} a Prometheus server?"
            ) from None
        if reply.status_code != 200 or body.get("status") != "success":
            raise InfrastructureError(
                f"Prometheus at {self.url} refused the query ({reply.status_code} {body.get('errorType', '')}: "
                f"{body.get('error', reply.text[:200])}): {promql}"
            )
        data = body.get("data", {})
        if data.get("resultType") == "scalar":
            return [Sample({}, float(data["result"][1]))]
        if data.get("resultType") != "vector":
            raise InfrastructureError(f"Prometheus answered a {data.get('resultType')} to an instant query: {promql}")
        return [Sample(dict(item["metric"]), float(item["value"][1])) for item in data["result"]]

    def scalar(self, promql: str, at: float | None = None) -> float | None:
        """The single value of a query that aggregates to one series; None when it has none (or NaN)."""
        samples = self.query(promql, at)
        if not samples:
            return None
        if len(samples) > 1:
            raise InfrastructureError(f"expected one series, Prometheus returned {len(samples)}: {promql}")
        value = samples[0].value
        return None if math.isnan(value) else value
