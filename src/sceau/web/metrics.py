"""Prometheus metrics: request counts and latencies by route template and status; the audit
sealer's progress (an alert on ``time() - sceau_audit_last_seal_timestamp_seconds`` catches a
sealer that stopped while events pile up outside the hash chain).

Each app owns its :class:`~prometheus_client.CollectorRegistry` (no process-global registry), so
several apps (tests) never share counters.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "HttpMetrics"]


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "sceau_http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "sceau_http_request_duration_seconds",
            "HTTP request latency by method and route template.",
            ("method", "route"),
            registry=self.registry,
        )

        self.audit_sealed = Counter(
            "sceau_audit_events_sealed",
            "Audit events this process appended to the hash chain.",
            registry=self.registry,
        )
        self.audit_seal_failures = Counter(
            "sceau_audit_seal_failures",
            "Periodic audit seal passes of this process that failed (retried next interval).",
            registry=self.registry,
        )
        self.audit_last_seal = Gauge(
            "sceau_audit_last_seal_timestamp_seconds",
            "Unix time of this process's last successful audit seal pass.",
            registry=self.registry,
        )

    def observe_seal(self, sealed: int | None) -> None:
        """One periodic seal pass: how many events it sealed, or None when it failed."""
        if sealed is None:
            self.audit_seal_failures.inc()
            return
        self.audit_sealed.inc(sealed)
        self.audit_last_seal.set(time.time())

    def observe(self, method: str, route: str, status: int, duration_s: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(duration_s)

    def render(self) -> bytes:
        return generate_latest(self.registry)
