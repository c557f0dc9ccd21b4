"""The engine's database work, run in one thread so the event loop never waits on the database.

A batch holds raw results, the latest state of each monitor checked, and state changes. It is
written in one transaction. A state change moves the monitor with a conditional UPDATE
(``WHERE state = <old>``) and its event row is inserted only if that row changed, so each change
is stored exactly once even across restarts or a second engine. Both are set-based: a batch's
changes are one UPDATE that returns the monitors it moved, and one INSERT of their rows, so
100,000 monitors changing at once cost seconds, not minutes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from custode.agents.models import MONITOR_TYPE as AGENT
from custode.agents.services import agent_facts_since
from custode.assets.models import Asset
from custode.backups.models import MONITOR_TYPE as BACKUP, BackupJob
from custode.backups.services import backup_facts
from custode.directory.models import Provider
from custode.engine import quorum
from custode.lib import rowsets
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Impact, Monitor
from custode.results.models import CheckResult, Ping, Rollup, StateChange


@dataclass(slots=True)
class Observation:
    monitor_id: int
    at: dt.datetime
    status: str
    latency_ms: float | None
    reason: str
    keep: bool = True  # stored as a raw result; every observation counts in the rollups and the latest result


@dataclass(slots=True)
class Transition:
    monitor_id: int
    at: dt.datetime
    old: str
    new: str
    reason: str
    failing_since: dt.datetime | None = None  # of a DOWN: the first failed check of the streak that led to it


@dataclass
class Batch:
    observations: list[Observation] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    location: str = "local"  # whose engine found them
    # The monitors checked from more than one location: what this batch finds of them is its location's state, and
    # the monitor's own is the verdict over its locations (``quorum``). The same object for every batch of an engine.
    several: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.observations) + len(self.transitions)


def write(batch: Batch) -> list[Transition]:
    """Store a batch; returns the transitions that were refused because the state had moved meanwhile.

    The raw results kept (``Observation.keep``) go in with one statement; each monitor's latest result and
    the hourly rollups of every observation are set-based statements over the batch sent as one parameter,
    so the database does that work without a Python round trip per result. A monitor whose state moves in
    the batch has its latest result written by the same UPDATE that moves it: one new row version instead
    of two (on PostgreSQL a state change rewrites every index entry of the row; at a storm of 100,000 the
    second version cost a fifth of the batch). All of it commits together:
    nothing is kept back in memory past the batch, so a crash loses only the batch not yet written (one
    flush interval, or the backlog while the database is away: ``Engine._bound_backlog``).

    The batch's monitors with several locations are judged first (``quorum.judge``, which locks them): their
    transitions are their location's, and what moves the monitor, counts in its rollups and is its latest reason
    is the verdict over its locations. Without such monitors in the batch, nothing more is asked of the database.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            judged = quorum.judge(cursor, batch, _time_text()) if batch.several else None
            transitions = batch.transitions if judged is None else _own(batch, judged)
            latest: dict[int, tuple] = {}
            if batch.observations:
                rows = _rows(batch.observations)
                kept = [row for row, o in zip(rows, batch.observations) if o.keep]
                if kept:
                    _insert_results(cursor, kept)
                if judged is not None:
                    rows = _as_judged(rows, judged)
                cursor.execute(_rollup_sql(connection.vendor), [rowsets.param(rows)])
                latest = {row[0]: row for row in rows}  # each monitor's last observation in the batch
            refused = _transitions(cursor, transitions, latest) if transitions else []
            if latest:  # those whose latest result no state move wrote
                cursor.execute(_latest_sql(), [rowsets.param(latest.values())])
            if judged is not None:  # a verdict is never refused (its monitor is locked): the engine keeps its own
                refused = [t for t in refused if t.monitor_id not in batch.several]
            return refused


def _own(batch: Batch, judged: quorum.Judged) -> list[Transition]:
    """The transitions that move monitors: those of monitors with one location, then the verdicts that changed."""
    several = batch.several
    return [t for t in batch.transitions if t.monitor_id not in several] + [Transition(*m) for m in judged.moves]


def _as_judged(rows: list[tuple], judged: quorum.Judged) -> list[tuple]:
    """ROWS (``_rows``) with those of the monitors JUDGED by quorum counting as their verdict (the status their
    rollups count, where it is one) and carrying its reason."""
    counted, reasons = judged.counted, judged.reasons
    return [row if row[0] not in reasons else
            (row[0], row[1], counted[row[0]] or row[2], row[3], reasons[row[0]][:300]) for row in rows]


RESULTS = CheckResult._meta.db_table
MONITORS = Monitor._meta.db_table
ROLLUPS = Rollup._meta.db_table
CHANGES = StateChange._meta.db_table


def _rows(observations: list[Observation]) -> list[tuple]:
    text = _time_text()
    return [(o.monitor_id, text(o.at), o.status, o.latency_ms, o.reason[:300]) for o in observations]


def _insert_results(cursor, rows: list[tuple]) -> None:
    """The raw results in one statement of one parameter, numbered (ids) in the batch's order, so ids grow with
    time (pruning bisects them). psycopg's ``executemany`` sent and adapted them one by one: most of the
    engine's own CPU for writing on PostgreSQL."""
    cursor.execute(f"""INSERT INTO {RESULTS} (monitor_id, at, status, latency_ms, reason)
                       SELECT monitor_id, at, status, latency_ms, reason FROM ({_results()}) AS v ORDER BY n""",
                   [rowsets.param(rows)])


RESULT_COLUMNS = ("monitor_id bigint", "at timestamptz", "status text", "latency_ms float8", "reason text")


def _results() -> str:
    return rowsets.select(RESULT_COLUMNS, connection.vendor)


def _latest_sql() -> str:
    """Each monitor in the batch gets its newest result as last check, latency and reason."""
    return f"""UPDATE {MONITORS} SET last_check_at = r.at, last_latency_ms = r.latency_ms, last_reason = r.reason
               FROM ({_results()}) AS r WHERE {MONITORS}.id = r.monitor_id"""


def _rollup_sql(vendor: str) -> str:
    """Add the batch's results to the hourly counters of each (monitor, hour), one upsert per pair.

    A check Custode could not run (``error``) says nothing of the target, so it counts neither way."""
    hour = ("date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'" if vendor == "postgresql"
            else "substr(at, 1, 13) || ':00:00'")
    return f"""INSERT INTO {ROLLUPS} (monitor_id, hour, count, up_count, latency_sum, latency_count,
                                     latency_min, latency_max)
               SELECT monitor_id, {hour}, COUNT(*), SUM(CASE WHEN status IN ('up', 'degraded') THEN 1 ELSE 0 END),
                      COALESCE(SUM(latency_ms), 0), COUNT(latency_ms), MIN(latency_ms), MAX(latency_ms)
               FROM ({_results()}) AS r WHERE status <> 'error' GROUP BY monitor_id, {hour}
               ON CONFLICT (monitor_id, hour) DO UPDATE SET
                 count = {ROLLUPS}.count + excluded.count,
                 up_count = {ROLLUPS}.up_count + excluded.up_count,
                 latency_sum = {ROLLUPS}.latency_sum + excluded.latency_sum,
                 latency_count = {ROLLUPS}.latency_count + excluded.latency_count,
                 latency_min = CASE WHEN {ROLLUPS}.latency_min IS NULL OR excluded.latency_min < {ROLLUPS}.latency_min
                                    THEN excluded.latency_min ELSE {ROLLUPS}.latency_min END,
                 latency_max = CASE WHEN {ROLLUPS}.latency_max IS NULL OR excluded.latency_max > {ROLLUPS}.latency_max
                                    THEN excluded.latency_max ELSE {ROLLUPS}.latency_max END"""


def _transitions(cursor, transitions: list[Transition], latest: dict[int, tuple]) -> list[Transition]:
    """Apply TRANSITIONS as if one by one in order; store the rows of those applied, return the others.

    A monitor that changed more than once in the batch (up, down, up again within a second) has its
    changes applied in rounds: the first of each monitor's in one statement, then the second, and so
    on, each round seeing the states the one before left. The rows are inserted in the batch's order,
    so incidents, which read them by id, see them in the order they happened. The first round also writes
    the LATEST result (``_rows``) of each monitor it moves, which is then taken out of LATEST.
    """
    text = _time_text()
    rows = [(t.monitor_id, t.old, t.new, text(t.at), t.reason[:300], t.failing_since and text(t.failing_since))
            for t in transitions]
    applied, refused = [], []
    for number, round_ in enumerate(_rounds(transitions)):
        moving = [rows[i] + _latest_of(latest, rows[i][0], number == 0) for i in round_]
        moved = _move(cursor, moving)
        for i in round_:
            (applied if rows[i][0] in moved else refused).append(i)
        if number == 0:
            for monitor_id in moved:
                latest.pop(monitor_id, None)
    _insert_changes(cursor, [rows[i] for i in sorted(applied)])
    return [transitions[i] for i in sorted(refused)]


def _latest_of(latest: dict[int, tuple], monitor_id: int, first_round: bool) -> tuple:
    """The latest-result columns a move writes: the monitor's from LATEST in the first round, else none."""
    row = latest.get(monitor_id) if first_round else None
    return (row[1], row[3], row[4]) if row else (None, None, None)


def _rounds(transitions: list[Transition]) -> list[list[int]]:
    """Positions in TRANSITIONS: the first change of each monitor, then the second of those that have one..."""
    rounds: list[list[int]] = []
    seen: dict[int, int] = defaultdict(int)
    for i, t in enumerate(transitions):
        n = seen[t.monitor_id]
        seen[t.monitor_id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(i)
    return rounds


def _move(cursor, rows: list[tuple]) -> set[int]:
    """Move each monitor of ROWS to its new state if it is still in the old one; returns the ids moved.

    A row that carries a latest result (``last_at`` not null) writes it too, on the monitors moved.
    At most one row per monitor: the database would apply only one of two joined to the same monitor.
    UPDATE ... FROM ... RETURNING needs SQLite 3.35 (2021) or any supported PostgreSQL.
    """
    def latest(column: str, value: str) -> str:
        return f"{column} = CASE WHEN v.last_at IS NULL THEN {MONITORS}.{column} ELSE {value} END"

    cursor.execute(f"""UPDATE {MONITORS} SET state = v.new, state_since = v.at,
                         {latest("last_check_at", "v.last_at")}, {latest("last_latency_ms", "v.latency_ms")},
                         {latest("last_reason", "v.last_reason")}
                       FROM ({rowsets.select(MOVE_COLUMNS, connection.vendor)}) AS v
                       WHERE {MONITORS}.id = v.monitor_id AND {MONITORS}.state = v.old
                       RETURNING {MONITORS}.id""", [rowsets.param(rows)])
    return {monitor_id for (monitor_id,) in cursor.fetchall()}


def _insert_changes(cursor, rows: list[tuple]) -> None:
    """One row per change, numbered (ids) in the order of ROWS."""
    if rows:
        cursor.execute(f"""INSERT INTO {CHANGES} (monitor_id, from_state, to_state, at, reason, failing_since)
                           SELECT monitor_id, old, new, at, reason, failing_since FROM ({_changes()}) AS v ORDER BY n""",
                       [rowsets.param(rows)])


def _changes() -> str:
    """A set of changes as a table: one JSON parameter, whatever their number (``custode.lib.rowsets``).

    A VALUES list of 100,000 changes is 500,000 parameters: a third of the time went into quoting and
    splitting them on PostgreSQL, and SQLite limits how many a statement takes."""
    return rowsets.select(CHANGE_COLUMNS, connection.vendor)


CHANGE_COLUMNS = ("monitor_id bigint", "old text", "new text", "at timestamptz", "reason text",
                  "failing_since timestamptz")
MOVE_COLUMNS = (*CHANGE_COLUMNS, "last_at timestamptz", "latency_ms float8", "last_reason text")


def _time_text() -> Callable[[dt.datetime], str]:
    """How to write a time as text the database reads as one: on SQLite Django's own form, naive in the
    connection's zone (``YYYY-MM-DD HH:MM:SS[.ffffff]``, compared as text), ISO 8601 with its offset else.

    What ``adapt_datetimefield_value`` does, without its checks per value: they were 12 µs a result, nearly
    half of the database thread's CPU on SQLite."""
    if connection.vendor != "sqlite":
        return dt.datetime.isoformat
    zone = connection.timezone
    if zone.utcoffset(None) == dt.timedelta(0):  # UTC, as Django keeps it: drop the "+00:00" of ISO 8601
        return lambda at: at.astimezone(zone).isoformat(" ")[:-6]
    return lambda at: at.astimezone(zone).replace(tzinfo=None).isoformat(" ")


def fingerprint() -> tuple:
    """Changes whenever a monitor or a dependency between assets is added, edited or removed. One statement (the
    engine asks every two seconds): counts, and the newest id and version, each read off an index."""
    edges = Asset.depends_on.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"""SELECT (SELECT COUNT(*) FROM {MONITORS}), (SELECT MAX(id) FROM {MONITORS}),
                                  (SELECT MAX(version) FROM {MONITORS}), (SELECT COUNT(*) FROM {edges}),
                                  (SELECT MAX(id) FROM {edges})""")
        return tuple(cursor.fetchone())


def upstream_monitors() -> dict[int, tuple[int, ...]]:
    """For each asset that depends on others, directly or not: the active monitors of those others that tell
    whether they are reachable (impact ``outage``; a failed job on a server says nothing of its sites)."""
    needs: dict[int, list[int]] = defaultdict(list)
    for asset_id, needed_id in Asset.depends_on.through.objects.values_list("from_asset_id", "to_asset_id"):
        needs[asset_id].append(needed_id)
    if not needs:
        return {}
    watched: dict[int, list[int]] = defaultdict(list)
    needed = {a for targets in needs.values() for a in targets}
    outages = Monitor.objects.filter(asset_id__in=needed, paused=False, impact=Impact.OUTAGE)
    for monitor_id, asset_id in outages.values_list("id", "asset_id"):
        watched[asset_id].append(monitor_id)
    upstream = {}
    for asset_id in needs:
        monitors = tuple(m for above in _above(asset_id, needs) for m in watched.get(above, ()))
        if monitors:
            upstream[asset_id] = monitors
    return upstream


def _above(asset_id: int, needs: dict[int, list[int]]) -> list[int]:
    """What ASSET_ID depends on, directly or not, nearest first (the graph has no cycles; guarded anyway)."""
    seen, order, queue = {asset_id}, [], list(needs.get(asset_id, ()))
    while queue:
        above = queue.pop(0)
        if above not in seen:
            seen.add(above)
            order.append(above)
            queue.extend(needs.get(above, ()))
    return order


MonitorRow = namedtuple("MonitorRow", ["id", "key", "type", "interval", "retries", "timeout", "paused", "impact",
                                       "tell_customer", "spec", "asset_id", "state", "created_at", "version",
                                       "last_ping_at", "last_ping_kind", "locations", "quorum"])


def load_monitors(since: int | None = None) -> list[MonitorRow]:
    """Monitors whose version is above SINCE (all when None), as plain tuples: 100,000 model instances cost
    too much. Versions follow commit order (``monitors.models.next_version``): none below SINCE is still to come."""
    rows = Monitor.objects.order_by("id")
    if since is not None:
        rows = rows.filter(version__gt=since)
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


def backup_facts_since(since: dt.datetime | None) -> list[tuple[int, Any, dt.datetime]]:
    """(monitor id, facts, changed at) of the backup jobs changed after SINCE (every job when None)."""
    jobs = BackupJob.objects.filter(monitor__isnull=False)
    if since is not None:
        jobs = jobs.filter(changed_at__gt=since)
    jobs = list(jobs)
    tz = Provider.get().timezone if jobs else ""
    return [(job.monitor_id, backup_facts(job, tz), job.changed_at) for job in jobs]


def facts_since(kind: str, since: dt.datetime | None) -> list[tuple[int, Any, dt.datetime]]:
    """(monitor id, facts, changed at) of the backup jobs or agents (KIND, their monitors' type) changed after SINCE."""
    return {BACKUP: backup_facts_since, AGENT: agent_facts_since}[kind](since)


def assets_in_maintenance(now: dt.datetime) -> set[int]:
    """Assets inside an active window, and everything that depends on them, directly or not.

    One query over the windows open at NOW, by the index on their end: past windows, however many, are
    never read."""
    open_now = MaintenanceWindow.assets.through.objects.filter(maintenancewindow__end__gt=now,
                                                               maintenancewindow__start__lte=now)
    active = set(open_now.values_list("asset_id", flat=True))
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
    """Delete raw results and heartbeat pings older than BEFORE in chunks, so no writer waits on a long lock.

    Both are written in time order, so ids grow with ``at``: the boundary is found by bisecting ids, and the
    tables need no index on ``at`` alone (one index less to update on every insert).
    """
    return _prune(CheckResult, before, chunk) + _prune(Ping, before, chunk)


def _prune(model, before: dt.datetime, chunk: int) -> int:
    boundary = _first_id_at_or_after(model, before)
    total = 0
    while True:
        ids = list(model.objects.filter(id__lt=boundary).order_by("id").values_list("id", flat=True)[:chunk])
        if not ids:
            return total
        total += model.objects.filter(id__in=ids).delete()[0]


def _first_id_at_or_after(model, moment: dt.datetime) -> int:
    """The smallest id of MODEL's rows whose ``at`` is not before MOMENT (one past the last id when none is)."""
    rows = model.objects.order_by("id")
    first, last = rows.values_list("id", flat=True).first(), rows.values_list("id", flat=True).last()
    if first is None:
        return 0
    low, high = first, last + 1
    while low < high:
        middle = (low + high) // 2
        row = rows.filter(id__gte=middle).values_list("id", "at").first()
        if row is None or row[1] >= moment:
            high = middle
        else:
            low = row[0] + 1
    return low


def location_states(location: str, ids: list[int]) -> dict[int, str]:
    """What LOCATION last found of each monitor of IDS it shares with other locations: its engine starts there."""
    return quorum.location_states(location, ids)
