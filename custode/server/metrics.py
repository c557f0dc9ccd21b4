"""Prometheus metrics at ``/metrics``, served by the web process before Django (see ``custode.asgi``).

Every scrape runs a handful of aggregate queries, never one row per monitor, so it stays cheap at
100,000 monitors. Values come from the database, shared by every process, except the ping counters,
which count what this web process received. Open by default on the listen address, as Prometheus
expects; ``CUSTODE_METRICS_TOKEN`` makes it require ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.models import Count, Max
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from custode.incidents.models import Incident, Status as IncidentStatus
from custode.lib.asgi import answer
from custode.monitors.models import Monitor, State
from custode.monitors.specs import MONITOR_TYPES
from custode.notify.models import Message
from custode.results.models import CheckResult, StateChange
from custode.results.pings import PingRecorder

PATHS = ("/metrics", "/metrics/")


class CustodeCollector:
    """What Custode is watching and doing, read from the database at each scrape."""

    def __init__(self, recorder: PingRecorder):
        self.recorder = recorder

    def describe(self) -> list[Metric]:
        return []  # nothing to register up front: every scrape reads fresh values

    def collect(self) -> Iterator[Metric]:
        yield from monitor_metrics()
        yield CounterMetricFamily(
            "custode_check_results", "Check results stored by the engine (the newest result's id, so it never "
            "goes down when old results are pruned).", value=CheckResult.objects.aggregate(n=Max("id"))["n"] or 0)
        yield GaugeMetricFamily("custode_state_changes_unprocessed", "State changes not yet turned into incidents.",
                                value=StateChange.objects.filter(processed_at__isnull=True).count())
        yield GaugeMetricFamily("custode_incidents_open", "Incidents not resolved.",
                                value=Incident.objects.exclude(status=IncidentStatus.RESOLVED).count())
        yield outbox_metric()
        yield CounterMetricFamily("custode_pings_received", "Heartbeat pings to a well-formed ping URL received "
                                  "by this web process.", value=self.recorder.received)
        yield CounterMetricFamily("custode_pings_stored", "Heartbeat pings stored by this web process (the "
                                  "rest named no push monitor).", value=self.recorder.stored)


def monitor_metrics() -> Iterator[Metric]:
    """Monitors by type and state (every pair, zeros included) and the newest check, in one query."""
    counts = {(t, s): 0 for t in MONITOR_TYPES for s in State.values}
    newest = None
    for row in Monitor.objects.order_by().values("type", "state").annotate(n=Count("id"), last=Max("last_check_at")):
        counts[(row["type"], row["state"])] = row["n"]
        if row["last"] is not None and (newest is None or row["last"] > newest):
            newest = row["last"]
    monitors = GaugeMetricFamily("custode_monitors", "Monitors by type and current state.", labels=["type", "state"])
    for (kind, state), n in counts.items():
        monitors.add_metric([kind, state], n)
    yield monitors
    yield GaugeMetricFamily("custode_last_check_timestamp_seconds", "When the engine last stored a check "
                            "result (Unix time; 0 before the first).", value=newest.timestamp() if newest else 0)


def outbox_metric() -> Metric:
    counts = dict.fromkeys(Message.Status.values, 0)
    counts.update(Message.objects.order_by().values_list("status").annotate(n=Count("id")))
    metric = GaugeMetricFamily("custode_outbox_messages", "Outbox messages by delivery status.", labels=["status"])
    for status, n in counts.items():
        metric.add_metric([status], n)
    return metric


def registry_for(recorder: PingRecorder) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(CustodeCollector(recorder))
    ProcessCollector(registry=registry)
    return registry


def authorized(scope: dict) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return True
    given = dict(scope["headers"]).get(b"authorization", b"")
    return hmac.compare_digest(given, b"Bearer " + token.encode())


class MetricsApp:
    """ASGI app: ``/metrics`` here, everything else to the app it wraps."""

    def __init__(self, inner: Any, *, recorder: PingRecorder):
        self.inner = inner
        self.recorder = recorder
        self.registry = registry_for(recorder)
        self.db = ThreadPoolExecutor(1, thread_name_prefix="custode-metrics")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] not in PATHS:
            return await self.inner(scope, receive, send)
        if scope["method"] not in ("GET", "HEAD"):
            return await answer(send, 405, b"use GET\n")
        if not authorized(scope):
            return await answer(send, 401, b"/metrics needs the header Authorization: Bearer <CUSTODE_METRICS_TOKEN>\n",
                                headers=((b"www-authenticate", b'Bearer realm="custode metrics"'),))
        body = await asyncio.get_running_loop().run_in_executor(self.db, self._render)
        await answer(send, 200, body, content_type=CONTENT_TYPE_LATEST.encode())

    def _render(self) -> bytes:
        """The exposition text; the connection is closed afterwards, as scrapes are seconds apart."""
        close_old_connections()
        try:
            return generate_latest(self.registry)
        finally:
            connections.close_all()

