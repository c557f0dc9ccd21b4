"""The engine's database work, run in one thread so the event loop never waits on the database.

A batch holds raw results, the latest state of each monitor checked, and state changes. It is
written in one transaction. A state change moves the monitor with a conditional UPDATE
(``WHERE state = <old>``) and its event row is inserted only if that row changed, so each change
is stored exactly once even across restarts or a second engine.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max

from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor
from custode.results.models import CheckResult, StateChange


@dataclass(slots=True)
class Observation:
    monitor_id: int
    at: dt.datetime
    status: str
    latency_ms: float | None
    reason: str


@dataclass(slots=True)
class Transition:
    monitor_id: int
    at: dt.datetime
    old: str
    new: str
    reason: str


@dataclass
class Batch:
    observations: list[Observation] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.observations) + len(self.transitions)


def write(batch: Batch) -> list[Transition]:
    """Store a batch; returns the transitions that were refused because the state had moved meanwhile."""
    with transaction.atomic():
        adapt = connection.ops.adapt_datetimefield_value
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {CheckResult._meta.db_table} (monitor_id, at, status, latency_ms, reason) "
                "VALUES (%s, %s, %s, %s, %s)",
                [(o.monitor_id, adapt(o.at), o.status, o.latency_ms, o.reason[:300]) for o in batch.observations],
            )
        _rollup(batch.observations)
        _latest(batch.observations)
        return [t for t in batch.transitions if not _transition(t)]


def _latest(observations: list[Observation]) -> None:
    latest = {o.monitor_id: o for o in observations}
    table = Monitor._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET last_check_at = %s, last_latency_ms = %s, last_reason = %s WHERE id = %s",
            [(connection.ops.adapt_datetimefield_value(o.at), o.latency_ms, o.reason[:500], o.monitor_id)
             for o in latest.values()],
        )


def _rollup(observations: list[Observation]) -> None:
    """Add the batch to each monitor's hourly counters with one upsert per (monitor, hour)."""
    sums: dict[tuple[int, dt.datetime], list] = defaultdict(lambda: [0, 0, 0.0, 0, None, None])
    for o in observations:
        row = sums[(o.monitor_id, o.at.replace(minute=0, second=0, microsecond=0))]
        row[0] += 1
        row[1] += o.status in ("up", "degraded")
        if o.latency_ms is not None:
            row[2] += o.latency_ms
            row[3] += 1
            row[4] = o.latency_ms if row[4] is None else min(row[4], o.latency_ms)
            row[5] = o.latency_ms if row[5] is None else max(row[5], o.latency_ms)
    if not sums:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            """INSERT INTO results_rollup (monitor_id, hour, count, up_count, latency_sum, latency_count,
                                           latency_min, latency_max)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (monitor_id, hour) DO UPDATE SET
                 count = results_rollup.count + excluded.count,
                 up_count = results_rollup.up_count + excluded.up_count,
                 latency_sum = results_rollup.latency_sum + excluded.latency_sum,
                 latency_count = results_rollup.latency_count + excluded.latency_count,
                 latency_min = CASE WHEN results_rollup.latency_min IS NULL OR excluded.latency_min < results_rollup.latency_min
                                    THEN excluded.latency_min ELSE results_rollup.latency_min END,
                 latency_max = CASE WHEN results_rollup.latency_max IS NULL OR excluded.latency_max > results_rollup.latency_max
                                    THEN excluded.latency_max ELSE results_rollup.latency_max END""",
            [(mid, connection.ops.adapt_datetimefield_value(hour), *row) for (mid, hour), row in sums.items()],
        )


def _transition(t: Transition) -> bool:
    moved = Monitor.objects.filter(id=t.monitor_id, state=t.old).update(state=t.new, state_since=t.at)
    if moved:
        StateChange.objects.create(monitor_id=t.monitor_id, at=t.at, from_state=t.old, to_state=t.new,
                                   reason=t.reason[:300])
    return bool(moved)


def fingerprint() -> tuple:
    """Changes whenever a monitor is added, edited or removed: the engine reloads when it does."""
    summary = Monitor.objects.aggregate(n=Max("id"), changed=Max("updated_at"))
    return (Monitor.objects.count(), summary["n"], summary["changed"])


MonitorRow = namedtuple("MonitorRow", ["id", "key", "type", "interval", "retries", "timeout", "paused", "spec",
                                       "asset_id", "state", "updated_at", "last_ping_at", "last_ping_kind"])


def load_monitors(since: dt.datetime | None = None) -> list[MonitorRow]:
    """Monitors changed since SINCE (all when None), as plain tuples: 100,000 model instances cost too much."""
    rows = Monitor.objects.order_by("id")
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    return [MonitorRow(*values) for values in rows.values_list(*MonitorRow._fields)]


def states(ids: list[int]) -> dict[int, str]:
    return dict(Monitor.objects.filter(id__in=ids).values_list("id", "state"))


def monitor_ids() -> set[int]:
    return set(Monitor.objects.values_list("id", flat=True))


def pings_since(since: dt.datetime | None) -> list[tuple[int, dt.datetime, str]]:
    rows = Monitor.objects.filter(type="push", last_ping_at__isnull=False)
    if since is not None:
        rows = rows.filter(last_ping_at__gt=since)
    return list(rows.values_list("id", "last_ping_at", "last_ping_kind"))


def assets_in_maintenance(now: dt.datetime) -> set[int]:
    """Assets inside an active window, and everything that depends on them, directly or not."""
    from custode.assets.models import Asset

    active = set()
    for window in MaintenanceWindow.objects.filter(start__lte=now).prefetch_related("assets"):
        if window.end > now:
            active.update(a.id for a in window.assets.all())
    if not active:
        return active
    dependants = defaultdict(list)
    for src, dst in Asset.depends_on.through.objects.values_list("from_asset_id", "to_asset_id"):
        dependants[dst].append(src)
    stack = list(active)
    while stack:
        for child in dependants[stack.pop()]:
            if child not in active:
                active.add(child)
                stack.append(child)
    return active


def prune_results(before: dt.datetime, chunk: int = 20000) -> int:
    """Delete raw results older than BEFORE in chunks, so the writer never holds a long lock."""
    total = 0
    while True:
        ids = list(CheckResult.objects.filter(at__lt=before).values_list("id", flat=True)[:chunk])
        if not ids:
            return total
        total += CheckResult.objects.filter(id__in=ids).delete()[0]
