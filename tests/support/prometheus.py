"""A real Prometheus and Alertmanager on loopback for the monitoring and canary tests, with a webhook receiver.

Debian's ``prometheus`` and ``prometheus-alertmanager`` (``make tools-debian`` installs them) run as subprocesses
on free 127.0.0.1 ports with configs written here:

- the scrape config is the one the monitoring component's ServiceMonitor implies (as the Prometheus operator
  generates it: job from the ServiceMonitor's ``jobLabel``, the endpoint's path, target labels namespace, service,
  pod, container and endpoint), pointed at ``ragops serve`` processes on loopback, scraped every second;
- the alert rules are the rendered PrometheusRule's, copied with every duration (``for:`` and range windows)
  divided by a factor, so an alert that needs 15 minutes in production needs seconds here. The shipped rules are
  never edited;
- Alertmanager routes every alert at once to a webhook on loopback that records what it receives.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import free_loopback_port, wait_until_answering

SCRAPE_INTERVAL = "1s"
STARTUP_S = 60
_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# Range windows and subquery steps in PromQL: [5m], [1h:1m].
_RANGE = re.compile(r"\[([0-9smhdwy]+)(?::([0-9smhdwy]*))?\]")


def binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found: run `make tools-debian` (Debian packages prometheus, prometheus-alertmanager)")
    return found


def _seconds(duration: str) -> float:
    parts = _DURATION.findall(duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a Prometheus duration: {duration!r}"
    return sum(int(number) * _SECONDS[unit] for number, unit in parts)


def shorten(duration: str, factor: int) -> str:
    """A Prometheus duration divided by ``factor``, in whole seconds (at least 1 s)."""
    return f"{max(1, round(_seconds(duration) / factor))}s"


def shorten_expr(expr: str, factor: int) -> str:
    def replace(match: re.Match[str]) -> str:
        window, step = match.group(1), match.group(2)
        inner = shorten(window, factor)
        if step is not None:
            inner += ":" + (shorten(step, factor) if step else "")
        return f"[{inner}]"

    return _RANGE.sub(replace, expr)


def shortened_rules(rule_object: dict[str, Any], factor: int) -> dict[str, Any]:
    """The rule groups of a rendered PrometheusRule, with every ``for:`` and range window divided by ``factor``."""
    groups = json.loads(json.dumps(rule_object["spec"]["groups"]))
    for group in groups:
        for rule in group["rules"]:
            rule["expr"] = shorten_expr(rule["expr"], factor)
            if "for" in rule:
                rule["for"] = shorten(rule["for"], factor)
    return {"groups": groups}


@dataclass(frozen=True)
class Target:
    """One pod of the app: its ``ragops serve`` on loopback and the pod name Prometheus would know it by."""

    base_url: str
    pod: str


def service_monitor_scrape(monitor: dict[str, Any], service: str, targets: list[Target]) -> dict[str, Any]:
    """The scrape job the Prometheus operator generates for ``monitor``, over ``targets`` instead of endpoints."""
    (endpoint,) = monitor["spec"]["endpoints"]
    job = monitor["metadata"]["labels"][monitor["spec"]["jobLabel"]]
    namespace = monitor["metadata"]["namespace"]
    return {
        "job_name": job,
        "metrics_path": endpoint["path"],
        "scheme": "http",
        "scrape_interval": SCRAPE_INTERVAL,
        "scrape_timeout": "800ms",
        "static_configs": [
            {
                "targets": [target.base_url.removeprefix("http://")],
                "labels": {
                    "namespace": namespace,
                    "service": service,
                    "pod": target.pod,
                    "container": "server",
                    "endpoint": endpoint["port"],
                },
            }
            for target in targets
        ],
    }


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Webhook:
    """Alertmanager's webhook receiver: every notification it was sent, in order."""

    server: ThreadingHTTPServer
    received: list[dict[str, Any]]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    def notified(self, alertname: str, status: str) -> list[dict[str, Any]]:
        """The alerts named ``alertname`` with ``status`` (firing or resolved) in the notifications so far."""
        return [
            alert
            for notification in list(self.received)
            for alert in notification["alerts"]
            if alert["labels"]["alertname"] == alertname and alert["status"] == status
        ]

    def wait_for(self, alertname: str, status: str, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while not (found := self.notified(alertname, status)):
            assert time.monotonic() < deadline, (
                f"no {status} notification for {alertname} in {timeout_s} s; received: "
                + json.dumps([(a["labels"]["alertname"], a["status"]) for n in self.received for a in n["alerts"]])
            )
            time.sleep(0.5)
        return found[-1]


@dataclass
class Prometheus:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def query(self, expr: str) -> list[dict[str, Any]]:
        """The result of an instant query now (a vector: one item per series)."""
        reply = httpx.get(f"{self.url}/api/v1/query", params={"query": expr}, timeout=30)
        body = reply.json()
        assert reply.status_code == 200 and body["status"] == "success", f"{expr}: {reply.text}"
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        reply = httpx.get(f"{self.url}/api/v1/alerts", timeout=30)
        alerts: list[dict[str, Any]] = reply.json()["data"]["alerts"]
        return alerts

    def firing(self) -> set[str]:
        return {a["labels"]["alertname"] for a in self.alerts() if a["state"] == "firing"}


def _start(command: list[str], log: Path, ready_url: str, what: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    wait_until_answering(process, ready_url, log, what, STARTUP_S)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class MonitoringStack:
    prometheus: Prometheus
    webhook: Webhook
    alertmanager_url: str


@contextmanager
def monitoring_stack(
    folder: Path, scrape_configs: list[dict[str, Any]], rules: dict[str, Any] | None = None
) -> Iterator[MonitoringStack]:
    """Prometheus scraping ``scrape_configs`` and evaluating ``rules`` every second, alerting through Alertmanager
    to a webhook; everything on 127.0.0.1, stopped on exit."""
    folder.mkdir(parents=True, exist_ok=True)
    received: list[dict[str, Any]] = []
    handler = type("Recorder", (_Recorder,), {"received": received})
    webhook = Webhook(ThreadingHTTPServer(("127.0.0.1", free_loopback_port()), handler), received)
    threading.Thread(target=webhook.server.serve_forever, daemon=True).start()
    started: list[subprocess.Popen[bytes]] = []
    try:
        am_port = free_loopback_port()
        am_config = {
            "route": {
                "receiver": "webhook",
                "group_by": ["alertname", "release"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            },
            "receivers": [{"name": "webhook", "webhook_configs": [{"url": webhook.url, "send_resolved": True}]}],
        }
        (folder / "alertmanager.yml").write_text(yaml.safe_dump(am_config), encoding="utf-8")
        am_url = f"http://127.0.0.1:{am_port}"
        started.append(
            _start(
                [
                    binary("prometheus-alertmanager"),
                    f"--config.file={folder / 'alertmanager.yml'}",
                    f"--storage.path={folder / 'alertmanager-data'}",
                    f"--web.listen-address=127.0.0.1:{am_port}",
                    "--cluster.listen-address=",  # no gossip port: a single Alertmanager, loopback only
                ],
                folder / "alertmanager.log",
                f"{am_url}/-/ready",
                "alertmanager",
            )
        )
        config: dict[str, Any] = {
            "global": {"scrape_interval": SCRAPE_INTERVAL, "evaluation_interval": "1s"},
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
            "scrape_configs": scrape_configs,
        }
        if rules is not None:
            (folder / "rules.yml").write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
            config["rule_files"] = [str(folder / "rules.yml")]
        (folder / "prometheus.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        port = free_loopback_port()
        url = f"http://127.0.0.1:{port}"
        process = _start(
            [
                binary("prometheus"),
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            folder / "prometheus.log",
            f"{url}/-/ready",
            "prometheus",
        )
        started.append(process)
        yield MonitoringStack(Prometheus(url, process, folder / "prometheus.log"), webhook, am_url)
    finally:
        for process in reversed(started):
            _stop(process)
        webhook.server.shutdown()
        webhook.server.server_close()
