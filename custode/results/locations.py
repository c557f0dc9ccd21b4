"""What each location sees of a monitor checked from several (``custode.engine.quorum`` keeps it), for the API and
the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from custode.monitors.models import Monitor, State
from custode.results.models import LocationState

STALE_INTERVALS = 3


def stale_after(interval: float, timeout: float) -> dt.timedelta:
    """How long a location may be silent and still count in a monitor's verdict: three intervals and a timeout. An
    engine checks at least once an interval (more often while it retries), so only a dead or cut-off one is later."""
    return dt.timedelta(seconds=STALE_INTERVALS * interval + timeout)


@dataclass(frozen=True)
class LocationRow:
    location: str
    state: str
    reason: str
    since: dt.datetime | None
    last_check_at: dt.datetime | None
    stale: bool  # silent for longer than three intervals and a timeout: not counted in the verdict

    @property
    def label(self) -> str:
        return str(State(self.state).label)

    def api(self) -> dict:
        return {"location": self.location, "state": self.state, "reason": self.reason, "since": self.since,
                "last_check_at": self.last_check_at}


def monitor_locations(monitor: Monitor, now: dt.datetime | None = None) -> list[LocationRow] | None:
    """MONITOR's locations in the order its config names them, each as its engine last saw it (unknown when it
    has not yet); None for a monitor with one location, which has no rows (no query made). Its rows are read
    from ``location_states`` when prefetched."""
    if len(monitor.locations) < 2:
        return None
    now = now or timezone.now()
    window = stale_after(monitor.interval, monitor.timeout)
    rows = {row.location: row for row in monitor.location_states.all()}
    shown = []
    for name in monitor.locations:
        row = rows.get(name)
        if row is None:
            shown.append(LocationRow(name, State.UNKNOWN, "", None, None, True))
            continue
        stale = row.last_check_at is None or now - row.last_check_at > window
        shown.append(LocationRow(name, row.state, row.reason if row.state != State.UP else "", row.since,
                                 row.last_check_at, stale))
    return shown
