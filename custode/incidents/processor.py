"""Turning the engine's state changes into incidents, and the incident work that comes due with time.

``step()`` does one unit of each kind of work and says whether there was any; the ``custode notifier``
process calls it in a loop. Every unit is one transaction that records the change *and* the outbox
rows telling of it, so a crash loses nothing and repeats nothing:

1. State changes (``processed_at`` empty) are consumed in id order, up to BATCH per step. Those with nothing
   to apply (a monitor coming up that is in no open incident, as at first start) are marked in one statement;
   the others are claimed (``processed_at`` set) a few at a time under the incident lock, in the one
   transaction that applies them, for at most BUDGET seconds a step; a change another process claimed, or one
   already applied before a crash, is skipped.
2. A DOWN outside maintenance, for asset A with monitor M whose impact is ``outage`` (a ``job`` or ``degraded``
   monitor opens an incident of its own on A alone: ``failed_alone``):
   - an ancestor of A (what A needs) is in an open incident: M joins it;
   - else incidents whose root needs A, opened within M's correlation window
     (2 x interval + retries x retry delay) before the DOWN, are merged into A's incident (A's open one,
     or a new one): A was their cause;
   - else A already has an open incident: M joins it;
   - else a new incident opens, rooted at the highest down asset among A and its ancestors.
   A new incident is told about at once, unless its root needs monitored assets that are not down:
   then it is held for their correlation window, as they may still turn out to be the cause (a site
   fails a few seconds before its server), and a held incident merged away was never told about.
   A monitor whose check Custode cannot run (``error``: a missing secret) is told to staff only, once per
   time it goes into that state; nothing is known of its target, so no customer hears of it.
3. An incident whose monitors are all up again (or degraded or paused) resolves quietly once they stayed
   so for ``CUSTODE_INCIDENT_STABLE`` (default 2m); each customer's outage ends when the last monitor
   came back. A held incident that recovers is never told about.
4. The owner of a confirmed open incident is reminded every ``Provider.update_every`` without a public update.
5. Announced maintenance windows are sent ``CUSTODE_MAINTENANCE_NOTICE`` (default 24h) before they start,
   when they start and when they end, each once per start time (``MaintenanceWindow.notices``).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from custode.assets.models import Asset
from custode.directory.models import Provider
from custode.incidents import graph as g
from custode.incidents import messages
from custode.incidents import services
from custode.incidents.models import Incident, Status
from custode.incidents.selectors import open_incidents_of
from custode.lib import durations
from custode.lib.env import SettingError
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Impact, Monitor, State
from custode.monitors.timing import confirmation_time, retry_delay
from custode.notify.services import outbox_enqueue
from custode.results.models import StateChange

# Changes read per step: those with nothing to apply are marked in one statement, the others applied one by one.
BATCH = 1000
# Changes claimed (read and marked) at a time within a step; a step's budget is checked between claims.
CLAIM = 50
# Held incidents confirmed and stable ones resolved per step.
INCIDENTS = 25
# Seconds of state changes a step applies at most; each holds the incident lock (and on SQLite the write lock).
BUDGET = 1.0
PHASES = ("announce", "start", "end")


@dataclass(frozen=True)
class Settings:
    stable: dt.timedelta
    notice: dt.timedelta


def settings_from_env() -> Settings:
    """CUSTODE_INCIDENT_STABLE (default 2m) and CUSTODE_MAINTENANCE_NOTICE (default 24h), as durations."""
    return Settings(_duration("CUSTODE_INCIDENT_STABLE", "2m"), _duration("CUSTODE_MAINTENANCE_NOTICE", "24h"))


def _duration(name: str, default: str) -> dt.timedelta:
    value = os.environ.get(name, "").strip() or default
    try:
        return dt.timedelta(seconds=durations.parse(value))
    except ValueError:
        raise SettingError(f"{name}={value!r}: must be a duration like 30s, 2m or 24h") from None


def step(*, now: dt.datetime | None = None) -> bool:
    """One unit of incident work of every kind; True if there was any."""
    now = now or timezone.now()
    config = settings_from_env()
    did = consume_changes(now=now)
    known = min(now, horizon() or now)
    did = confirm_held(now=now, known=known) or did
    did = resolve_stable(now=now, stable=config.stable, known=known) or did
    did = remind_owners(now=now) or did
    return announce_maintenance(now=now, notice=config.notice) or did


def consume_changes(*, now: dt.datetime, limit: int | None = None) -> bool:
    pending = list(StateChange.objects.filter(processed_at=None).order_by("id")
                   .values_list("id", "monitor_id", "to_state", "at")[: limit or BATCH])
    if not pending:
        return False
    quiet = consume_quiet(pending, now)
    ids = [change_id for change_id, *_ in pending if change_id not in quiet]
    if not ids:
        return True
    graph = g.graph_load()
    windows = maintenance_between(min(at for *_, at in pending), max(at for *_, at in pending))
    started, joins = time.monotonic(), Joins(graph)
    with transaction.atomic():  # one transaction for the step's changes: one lock and one commit, not one each
        services.incident_lock()
        for n in range(0, len(ids), CLAIM):
            if n and time.monotonic() - started > BUDGET:  # the rest next step, after the notifier let others write
                break
            chunk = StateChange.objects.filter(id__in=ids[n:n + CLAIM], processed_at=None)
            claimed = list(chunk.select_related("monitor__asset").order_by("id"))
            StateChange.objects.filter(id__in=[c.pk for c in claimed]).update(processed_at=now)
            for change in claimed:
                apply_change(change, graph, windows, joins)
        joins.flush()
    return True


def consume_quiet(pending: list[tuple[int, int, str, dt.datetime]], now: dt.datetime) -> set[int]:
    """Mark as applied, in one statement, the changes among PENDING that have nothing to apply; returns them.

    A monitor coming up (or paused, or back to unknown) that is in no open incident changes no incident,
    unless it went down earlier in this batch. At first start, or when a storm ends, that is nearly every
    change: applied one by one, 100,000 of them held back every hold and resolution (``horizon``) for an hour.
    """
    with transaction.atomic():
        services.incident_lock()
        monitors = {monitor_id for _, monitor_id, *_ in pending}
        busy = set(Incident.monitors.through.objects.filter(monitor_id__in=monitors)
                   .exclude(incident__status=Status.RESOLVED).values_list("monitor_id", flat=True))
        quiet, went_down_here = set(), set()
        for change_id, monitor_id, to_state, _ in pending:
            if to_state in (State.DOWN, State.ERROR):
                went_down_here.add(monitor_id)
            elif monitor_id not in busy and monitor_id not in went_down_here:
                quiet.add(change_id)
        if quiet:
            StateChange.objects.filter(id__in=quiet, processed_at=None).update(processed_at=now)
    return quiet


def horizon() -> dt.datetime | None:
    """Until when every state change is applied: the time of the oldest one waiting, None when none waits.

    Holds and stable periods end by this time, not the clock: after a restart with a backlog, a held
    incident is not told about before the change showing its real cause has been read.
    """
    return StateChange.objects.filter(processed_at=None).order_by("id").values_list("at", flat=True).first()


class Joins:
    """Failed monitors joining the open incident above them, written together: in a storm, the sites joining
    their server's incident one by one each cost a join. Anything else done with incidents flushes them first,
    so every other decision reads incidents as if each join had been written at once."""

    def __init__(self, graph: g.Graph) -> None:
        self.graph = graph
        self.waiting: dict[int, tuple[Incident, list[Monitor], dt.datetime]] = {}
        self.above: dict[frozenset[int], list[Incident]] = {}

    def open_above(self, asset_id: int) -> list[Incident]:
        """The open outages of what ASSET_ID needs; while only joins wait, they are what they were."""
        needs = frozenset(g.ancestors(self.graph, asset_id))
        if needs not in self.above:
            self.above[needs] = open_incidents_of(needs)
        return self.above[needs]

    def add(self, incident: Incident, monitor: Monitor, at: dt.datetime) -> None:
        self.waiting.setdefault(incident.pk, (incident, [], at))[1].append(monitor)

    def flush(self) -> None:
        for incident, monitors, at in self.waiting.values():
            services.incident_join(incident=incident, monitors=monitors, at=at, graph=self.graph)
        self.waiting.clear()
        self.above.clear()


def apply_change(change: StateChange, graph: g.Graph, windows: list[Window], joins: Joins) -> None:
    """Apply CHANGE; joins of failed monitors wait in JOINS for the caller to flush."""
    if change.to_state == State.DOWN:
        went_down(change.monitor, change.at, graph, windows, joins, failing_since=change.failing_since)
        return
    joins.flush()
    if change.to_state == State.ERROR:
        outbox_enqueue(messages=messages.check_error(change))
    elif change.to_state in services.RECOVERED:
        for incident in Incident.objects.exclude(status=Status.RESOLVED).filter(monitors=change.monitor):
            services.incident_recheck_stable(incident=incident, at=change.at)


def correlation_window(monitor: Monitor) -> dt.timedelta:
    """How long after a dependant's failure this monitor's own failure is still recognised as its cause."""
    return dt.timedelta(seconds=2 * monitor.interval + monitor.retries * retry_delay(monitor.interval))


def went_down(monitor: Monitor, at: dt.datetime, graph: g.Graph, windows: list[Window], joins: Joins,
              failing_since: dt.datetime | None = None) -> None:
    asset = monitor.asset
    if monitor.state == State.MAINTENANCE or in_maintenance(graph, asset.pk, at, windows):
        return
    if monitor.impact != Impact.OUTAGE:
        joins.flush()
        failed_alone(monitor, at, graph)
        return
    above = joins.open_above(asset.pk)
    if above:
        joins.add(above[0], monitor, at)
        return
    joins.flush()
    mine = open_incidents_of([asset.pk])
    below = g.dependants(graph, asset.pk)
    window = correlation_window(monitor)
    children = [
        i for i in open_incidents_of(below)
        if i.root_asset_id in below and i not in mine and dt.timedelta(0) <= at - i.opened_at <= window
    ]
    if mine:
        for child in children:
            services.incident_merge(child=child, parent=mine[0], at=at)
        services.incident_join(incident=mine[0], monitors=[monitor], at=at, graph=graph)
        return
    down = down_above(graph, asset.pk, at)
    root = asset if children else Asset.objects.get(pk=g.root_cause(graph, asset.pk, down | {asset.pk}))
    held = hold_until(root.pk, at, graph, since=failing_since or at - confirming(monitor))
    services.incident_open(root_asset=root, monitors=[monitor], at=at, held_until=held, merge=children, graph=graph)


def down_above(graph: g.Graph, asset_id: int, at: dt.datetime) -> set[int]:
    """What ASSET_ID needs that had an outage monitor DOWN at AT, by the state changes written until then.

    Not by the monitors' states now: behind a backlog of changes (a storm, a restart) a server may be up again
    by the time its site's failure is read, and the site would be told as its own outage. And only what the
    asset needs: in a storm, reading every down monitor for every change made applying them quadratic.
    """
    above = g.ancestors(graph, asset_id)
    if not above:
        return set()
    then = StateChange.objects.filter(monitor=OuterRef("pk"), at__lte=at).order_by("-at", "-id").values("to_state")
    monitors = Monitor.objects.filter(asset__in=above, impact=Impact.OUTAGE).annotate(then=Subquery(then[:1]))
    return set(monitors.filter(then=State.DOWN).values_list("asset_id", flat=True))


def failed_alone(monitor: Monitor, at: dt.datetime, graph: g.Graph) -> None:
    """A failed job or a degradation: an incident of its own, told at once to staff (and to the asset's customer
    when the monitor says so). It never reaches what depends on the asset, never joins an outage's incident
    and is never joined by one: a backup that failed on a server says nothing of the sites it hosts."""
    mine = Incident.objects.exclude(status=Status.RESOLVED).filter(monitors=monitor).first()
    if mine is not None:
        services.incident_join(incident=mine, monitors=[monitor], at=at, graph=graph)
        return
    services.incident_open(root_asset=monitor.asset, monitors=[monitor], at=at, graph=graph, impact=monitor.impact)


def hold_until(asset_id: int, at: dt.datetime, graph: g.Graph, since: dt.datetime) -> dt.datetime | None:
    """When to tell of an incident rooted at ASSET_ID: later only if what it needs may still fail.

    The engine checks what a failing monitor depends on before calling it DOWN (``engine.upstream``):
    a monitor above whose last check since the failure began (SINCE) found it fine is not waited for.
    SINCE is the failing monitor's first failed check, as the engine wrote it with the DOWN; else (a change
    written without it) the longest the failure can have lasted, which takes a check made just before the
    failure for one made during it: a site then told of as its own outage, and then again as its server's.
    """
    watching = [
        m for m in Monitor.objects.filter(asset__in=g.ancestors(graph, asset_id), paused=False, impact=Impact.OUTAGE)
        .exclude(state=State.DOWN)
        if not (m.state == State.UP and m.last_reason == "" and m.last_check_at and m.last_check_at >= since)
    ]
    windows = [correlation_window(m) for m in watching]
    return at + max(windows) if windows else None


def confirming(monitor: Monitor) -> dt.timedelta:
    """How long before its DOWN a monitor's failure may have begun."""
    return dt.timedelta(seconds=confirmation_time(interval=monitor.interval, retries=monitor.retries,
                                                  timeout=monitor.timeout))


@dataclass(frozen=True)
class Window:
    start: dt.datetime
    end: dt.datetime
    assets: frozenset[int]


def maintenance_between(first: dt.datetime, last: dt.datetime) -> list[Window]:
    """The maintenance windows active at some time from FIRST to LAST (a batch of changes reads them once)."""
    found = MaintenanceWindow.objects.filter(start__lte=last, end__gt=first).prefetch_related("assets")
    return [Window(w.start, w.end, frozenset(a.pk for a in w.assets.all())) for w in found]


def in_maintenance(graph: g.Graph, asset_id: int, at: dt.datetime, windows: list[Window]) -> bool:
    """Whether one of WINDOWS, active at AT, covers the asset or anything it needs."""
    active = [w for w in windows if w.start <= at < w.end]
    return bool(active) and any(w.assets & (g.ancestors(graph, asset_id) | {asset_id}) for w in active)


def confirm_held(*, now: dt.datetime, known: dt.datetime | None = None) -> bool:
    """Tell of held incidents whose hold ended by KNOWN (see ``horizon``), unless they are up again already."""
    due = Incident.objects.filter(
        confirmed_at=None, held_until__lte=known or now, stable_since=None
    ).exclude(status=Status.RESOLVED).order_by("id")
    did = False
    for incident in due[:INCIDENTS]:
        services.incident_confirm(incident=incident, at=now)
        did = True
    return did


def resolve_stable(*, now: dt.datetime, stable: dt.timedelta, known: dt.datetime | None = None) -> bool:
    due = Incident.objects.filter(stable_since__lte=(known or now) - stable).exclude(status=Status.RESOLVED)
    due = due.order_by("id")
    did = False
    for incident in due[:INCIDENTS]:
        with transaction.atomic():
            services.incident_lock()
            incident.refresh_from_db()
            if incident.status == Status.RESOLVED or incident.stable_since is None:
                continue
            back_at = incident.stable_since
            if services.incident_recheck_stable(incident=incident, at=now):
                services.incident_resolve(incident=incident, at=back_at)
            did = True
    return did


def remind_owners(*, now: dt.datetime) -> bool:
    every = dt.timedelta(seconds=Provider.get().update_every)
    did = False
    for incident in Incident.objects.exclude(status=Status.RESOLVED).exclude(confirmed_at=None).order_by("id"):
        quiet_since = max(t for t in (incident.confirmed_at, incident.last_public_update_at, incident.reminded_at) if t)
        if now - quiet_since >= every:
            services.incident_remind(incident=incident, at=now)
            did = True
    return did


def due_phase(window: MaintenanceWindow, now: dt.datetime, notice: dt.timedelta) -> str | None:
    """The notice WINDOW owes at NOW: announce ahead, start, end (only to those told it started)."""
    sent = {phase for phase, start in window.notices.items() if start == window.start.isoformat()}
    if window.start - notice <= now < window.start and "announce" not in sent:
        return "announce"
    if window.start <= now < window.end and "start" not in sent:
        return "start"
    if now >= window.end and "start" in sent and "end" not in sent:
        return "end"
    return None


def announce_maintenance(*, now: dt.datetime, notice: dt.timedelta) -> bool:
    did = False
    recent = MaintenanceWindow.objects.filter(
        announce=True, start__lte=now + notice, start__gte=now - dt.timedelta(days=60)
    ).order_by("start", "id")
    for window in recent:
        if due_phase(window, now, notice) is None:
            continue
        with transaction.atomic():
            window = MaintenanceWindow.objects.select_for_update().get(pk=window.pk)
            phase = due_phase(window, now, notice)
            if phase is None:
                continue
            outbox_enqueue(messages=messages.maintenance_notice(window, phase=phase))
            window.notices = {**window.notices, phase: window.start.isoformat()}
            window.save(update_fields=["notices"])
            did = True
    return did
