"""Alerts by quorum: a monitor checked from several locations is DOWN only when enough of them agree.

Each location's engine judges such a monitor as it judges any other (retries and all), but what it finds is that
location's state (``LocationState``), not the monitor's. In the transaction that stores a batch (``store.write``),
the batch's location is brought up to date and the monitor's own state is the verdict over its locations
(``verdict``): DOWN when at least ``quorum`` of them see it down, DEGRADED when at least ``quorum`` see it down or
degraded, UP when fewer do and one sees it up or degraded, UNKNOWN when none does and too few see it down (the
others silent or unable to check: nothing is confirmed either way). A location whose last check is older than three
intervals and a timeout (its engine dead, a probe silent) is not counted, so silence never makes a DOWN. The
monitor moves, with its state-change row for the incidents, only when the verdict changes, and its DOWN reason
names the locations that see it failing.

On PostgreSQL the engines of two locations may store the same monitor at once: each batch first locks its
monitors with several locations, in id order, so they wait in line and never deadlock; everything else the batch
writes of those monitors (their location rows, rollups, latest result) is written under that lock.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

from custode.lib import rowsets
from custode.monitors.models import Monitor, State
from custode.results.locations import stale_after
from custode.results.models import LocationState

LOCATION_STATES = LocationState._meta.db_table
_FAILING = (State.DOWN, State.DEGRADED)
_COUNTED = (State.UP, State.DEGRADED, State.DOWN)  # the verdicts the rollups count as such


@dataclass(slots=True)
class Seen:
    """What one location last saw of a monitor."""

    state: str = State.UNKNOWN
    reason: str = ""
    since: dt.datetime | None = None
    last_check_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """A monitor with several locations, as the verdict needs it."""

    id: int
    state: str
    locations: tuple[str, ...]
    quorum: int
    interval: float
    timeout: float

    def stale_after(self) -> dt.timedelta:
        return stale_after(self.interval, self.timeout)


@dataclass(frozen=True, slots=True)
class Verdict:
    state: str
    reason: str
    where: tuple[str, ...] = ()  # the locations that see it failing, of a DOWN or DEGRADED


def verdict(subject: Subject, seen: dict[str, Seen], *, speaking: str, at: dt.datetime) -> Verdict | None:
    """The monitor's state from what its locations SEEN, at AT, when SPEAKING (a location) has just reported.

    Counted: the monitor's locations (others' rows are left over from an earlier config) that have spoken within
    ``stale_after`` of AT, and SPEAKING always. Paused and maintenance are facts of the monitor, not of a place:
    any location counted that says so is believed. A paused monitor that none of them holds paused any more is
    UNKNOWN until one judges it. None when no location counted has judged the monitor yet."""
    fresh = {name: s for name in subject.locations if (s := seen.get(name)) is not None
             and (name == speaking or _recent(s, at, subject.stale_after()))}
    for state in (State.PAUSED, State.MAINTENANCE):
        if any(s.state == state for s in fresh.values()):
            return Verdict(state, state.value)
    down = [name for name, s in fresh.items() if s.state == State.DOWN]
    if len(down) >= subject.quorum:
        return Verdict(State.DOWN, failing(down, fresh), tuple(down))
    unwell = [name for name, s in fresh.items() if s.state in _FAILING]
    if len(unwell) >= subject.quorum:
        return Verdict(State.DEGRADED, failing(unwell, fresh), tuple(unwell))
    if any(s.state in (State.UP, State.DEGRADED) for s in fresh.values()):
        return Verdict(State.UP, "")
    if down:  # too few see it failing, and none sees it up (the others silent or unable to check): unconfirmed
        return Verdict(State.UNKNOWN, failing(down, fresh), tuple(down))
    errors = [s.reason for s in fresh.values() if s.state == State.ERROR]
    if errors:
        return Verdict(State.ERROR, errors[0])
    if subject.state == State.PAUSED:  # resumed wherever it is counted from, and not judged yet
        return Verdict(State.UNKNOWN, "resumed")
    return None


def failing(names: list[str], fresh: dict[str, Seen]) -> str:
    """'down from frankfurt, madrid: connection refused'; locations with different reasons each with its own:
    'down from frankfurt: connection refused; down from madrid: timed out after 10s' (``checks.reasons`` words
    them in the reader's language)."""
    by_reason: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in names:
        by_reason[(fresh[name].state, fresh[name].reason)].append(name)
    parts = [f"{state} from {', '.join(where)}" + (f": {reason}" if reason else "")
             for (state, reason), where in by_reason.items()]
    return "; ".join(parts)[:300]


def _recent(seen: Seen, at: dt.datetime, window: dt.timedelta) -> bool:
    return seen.last_check_at is not None and at - seen.last_check_at <= window


@dataclass
class Judged:
    """What ``judge`` decided for a batch's monitors with several locations, for ``store.write`` to store."""

    moves: list = field(default_factory=list)  # store.Transition of each monitor whose verdict changed
    counted: dict[int, str] = field(default_factory=dict)  # the status their observations count in the rollups
    reasons: dict[int, str] = field(default_factory=dict)  # their latest reason: the verdict's


def judge(cursor, batch, text: Callable[[dt.datetime], str]) -> Judged | None:
    """Lock the BATCH's monitors with several locations, store what its location saw of them, and judge them;
    TEXT writes a time as the database reads it (``store._time_text``). None when the batch has none (no query
    made)."""
    several = batch.several
    events: dict[int, list] = defaultdict(list)
    for item in (*batch.observations, *batch.transitions):
        if item.monitor_id in several:
            events[item.monitor_id].append(item)
    if not events:
        return None
    subjects = _lock(sorted(events))
    seen = _seen(list(subjects))
    here = batch.location
    judged, rows = Judged(), []
    for monitor_id, subject in subjects.items():
        mine = seen[monitor_id].setdefault(here, Seen())
        at, failing_since = _apply(mine, events[monitor_id])
        rows.append(_row(monitor_id, here, mine, text))
        found = verdict(subject, seen[monitor_id], speaking=here, at=at)
        state = found.state if found else subject.state
        judged.counted[monitor_id] = _counted(state, found)
        judged.reasons[monitor_id] = found.reason if found and found.state in _FAILING else mine.reason
        if found and found.state != subject.state:
            since = _failing_since(found, seen[monitor_id], here, failing_since)
            judged.moves.append((monitor_id, at, subject.state, found.state, found.reason, since))
    _store(cursor, rows)
    return judged


def _counted(state: str, found: Verdict | None) -> str:
    """The status a batch's observations of a monitor count as in its rollups: its verdict's; neither up nor down
    ("error") when the verdict is an error or leaves it unconfirmed; their own when there is no verdict yet."""
    if state in _COUNTED:
        return state
    return "error" if state == State.ERROR or found is not None and found.state == State.UNKNOWN else ""


def _lock(ids: list[int]) -> dict[int, Subject]:
    """The monitors of IDS, locked in id order until the transaction ends (PostgreSQL; SQLite has one writer)."""
    rows = (Monitor.objects.select_for_update().filter(id__in=ids).order_by("id")
            .values_list("id", "state", "locations", "quorum", "interval", "timeout"))
    return {row[0]: Subject(row[0], row[1], tuple(row[2]), row[3], row[4], row[5]) for row in rows}


def _seen(ids: list[int]) -> dict[int, dict[str, Seen]]:
    seen: dict[int, dict[str, Seen]] = {monitor_id: {} for monitor_id in ids}
    rows = LocationState.objects.filter(monitor_id__in=ids).values_list("monitor_id", "location", "state", "reason",
                                                                       "since", "last_check_at")
    for monitor_id, location, *rest in rows:
        seen[monitor_id][location] = Seen(*rest)
    return seen


def _apply(mine: Seen, events: list) -> tuple[dt.datetime, dt.datetime | None]:
    """Bring MINE up to date with this location's EVENTS (observations and transitions, in the order they
    happened); returns the time of the newest, and when the failures of a DOWN among them began."""
    failing_since = None
    for event in sorted(events, key=lambda e: (e.at, hasattr(e, "new"))):
        if hasattr(event, "new"):  # a transition of this location's state
            if event.new != mine.state:
                mine.state, mine.since = event.new, event.at
            failing_since = event.failing_since if event.new == State.DOWN else failing_since
            mine.reason = event.reason[:300]
        else:
            mine.last_check_at, mine.reason = event.at, event.reason[:300]
    return max(e.at for e in events), failing_since


def _failing_since(found: Verdict, seen: dict[str, Seen], here: str, failing_since: dt.datetime | None):
    """Of a DOWN: the earliest known start of the failures of the locations that see it (this batch's own streak
    start for this location, the time they went down for the others)."""
    if found.state != State.DOWN:
        return None
    starts = [failing_since if name == here and failing_since else seen[name].since for name in found.where]
    starts = [s for s in starts if s is not None]
    return min(starts) if starts else None


def _row(monitor_id: int, location: str, seen: Seen, text: Callable[[dt.datetime], str]) -> tuple:
    return (monitor_id, location, seen.state, seen.reason, seen.since and text(seen.since),
            seen.last_check_at and text(seen.last_check_at))


COLUMNS = ("monitor_id bigint", "location text", "state text", "reason text", "since timestamptz",
           "last_check_at timestamptz")


def _store(cursor, rows: list[tuple]) -> None:
    """This location's row of each monitor, in one statement (``WHERE true``: SQLite reads an ``ON`` after a
    ``SELECT ... FROM`` as a join's without it)."""
    cursor.execute(f"""INSERT INTO {LOCATION_STATES} (monitor_id, location, state, reason, since, last_check_at)
                       SELECT monitor_id, location, state, reason, since, last_check_at
                       FROM ({rowsets.select(COLUMNS, connection.vendor)}) AS v WHERE true
                       ON CONFLICT (monitor_id, location) DO UPDATE SET state = excluded.state,
                         reason = excluded.reason, since = excluded.since, last_check_at = excluded.last_check_at""",
                   [rowsets.param(rows)])


def location_states(location: str, ids: list[int]) -> dict[int, str]:
    """What LOCATION last saw of each monitor of IDS that it has judged: its engine starts from there."""
    rows = LocationState.objects.filter(location=location, monitor_id__in=ids).values_list("monitor_id", "state")
    return dict(rows)
