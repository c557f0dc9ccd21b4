"""A month of generated history for one customer, written as the engine, the desk and backups would have, and
kept beside it as plain numbers (``Truth``) so a test can compute every figure the report must show on its own.

Random but seeded: the same seed gives the same month.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from custode.backups.models import BackupJob, BackupReplica, BackupRun, BackupSignOff, RestoreTest
from custode.directory.models import Customer
from custode.incidents.models import AffectedCustomer, Incident, Status, Update
from custode.monitors.models import Impact
from custode.reports.months import Month
from custode.results.models import Rollup
from custode.testing import factories
from custode.tickets.models import Ticket, TimeEntry

HOUR = dt.timedelta(hours=1)
CHECKS = 60  # per hour: a check a minute


@dataclass
class Truth:
    """What was generated: per monitor key its hours (start, up, checks); maintenance spans per asset name."""

    hours: dict[str, list[tuple[dt.datetime, int, int]]] = field(default_factory=dict)
    maintenance: dict[str, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    asset_of: dict[str, str] = field(default_factory=dict)  # monitor key: asset name
    incidents: list[tuple[str, dt.datetime, dt.datetime]] = field(default_factory=list)  # update text, start, end
    tickets: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)  # (due, answered)
    paused_seconds: float = 0.0
    minutes: int = 0
    backup_runs: int = 0
    backup_failed: int = 0
    replicas: int = 0
    restore_ok: int = 0
    signoff_note: str = ""


_numbers = iter(range(5000, 10**9))


def month_of_history(customer: Customer, month: Month, *, seed: int = 1, backups: bool = True,
                     monitors: int = 2) -> Truth:
    """Write MONTH's history for CUSTOMER: MONITORS websites checked every minute with a few bad hours, a
    maintenance window on the first, two incidents, five tickets (two answered late), time logged and, when
    BACKUPS, a nightly job with a failure, replicas, a restore test and a sign-off."""
    rng, truth = random.Random(seed), Truth()
    for n in range(monitors):
        asset = factories.asset(customer=customer, name=f"{customer.key}-site{n}.example")
        monitor = factories.monitor(asset=asset, impact=Impact.OUTAGE)
        truth.asset_of[monitor.key] = asset.name
        window = _maintenance(asset, month, rng) if n == 0 else None
        truth.maintenance[asset.name] = [window] if window else []
        truth.hours[monitor.key] = _rollups(monitor, month, rng, 0.002 if n == 0 else 0.01)
        if n == 0:
            _incidents(customer, asset, month, rng, truth)
            if backups:
                _backups(asset, month, rng, truth)
    _tickets(customer, month, rng, truth)
    return truth


def _maintenance(asset, month: Month, rng: random.Random) -> tuple[dt.datetime, dt.datetime]:
    start = month.start + dt.timedelta(days=rng.randrange(2, 20), hours=2)
    factories.maintenance(asset, start=start, duration=7200)
    return start, start + dt.timedelta(seconds=7200)


def _rollups(monitor, month: Month, rng: random.Random, bad: float) -> list[tuple[dt.datetime, int, int]]:
    """A rollup per hour of MONTH, a share BAD of the hours with some checks down."""
    hours, hour = [], month.start.astimezone(dt.timezone.utc)
    while hour < month.end:
        up = CHECKS - (rng.randrange(1, CHECKS) if rng.random() < bad else 0)
        hours.append((hour, up, CHECKS))
        hour += HOUR
    Rollup.objects.bulk_create([Rollup(monitor=monitor, hour=h, count=c, up_count=u) for h, u, c in hours])
    return hours


def _incidents(customer, asset, month: Month, rng: random.Random, truth: Truth) -> None:
    for n in range(2):
        start = month.start + dt.timedelta(days=5 + 10 * n, hours=rng.randrange(0, 12), minutes=rng.randrange(60))
        end = start + dt.timedelta(minutes=rng.randrange(10, 300))
        incident = Incident.objects.create(title=f"{asset.name} unreachable", root_asset=asset, opened_at=start,
                                           resolved_at=end, status=Status.RESOLVED, confirmed_at=start)
        incident.assets.add(asset)
        AffectedCustomer.objects.create(incident=incident, customer=customer, started_at=start, resolved_at=end)
        text = f"Router {n} replaced"
        Update.objects.create(incident=incident, at=end - dt.timedelta(minutes=5), status=Status.IDENTIFIED,
                              message=text, language="en")
        Update.objects.create(incident=incident, at=end, status=Status.RESOLVED, message="internal note",
                              public=False)
        truth.incidents.append((text, start, end))


def _tickets(customer, month: Month, rng: random.Random, truth: Truth) -> None:
    for n in range(5):
        opened = month.start + dt.timedelta(days=3 + 5 * n, hours=9)
        due = opened + dt.timedelta(hours=2)
        answered = opened + dt.timedelta(minutes=rng.randrange(10, 100) if n % 2 == 0 else 200 + n)
        paused = float(rng.randrange(0, 3) * 1800)
        ticket = Ticket.objects.create(number=next(_numbers), customer=customer, subject=f"Request {n}",
                                       opened_at=opened, first_response_due=due, first_response_at=answered,
                                       paused_seconds=paused, status="resolved",
                                       resolved_at=opened + dt.timedelta(hours=20))
        minutes = 15 * rng.randrange(1, 12)
        TimeEntry.objects.create(ticket=ticket, at=opened + dt.timedelta(hours=1), minutes=minutes, note="work")
        truth.tickets.append((due, answered))
        truth.paused_seconds += paused
        truth.minutes += minutes


def _backups(asset, month: Month, rng: random.Random, truth: Truth) -> None:
    job = BackupJob.objects.create(key=f"{asset.key}-nightly", asset=asset, schedule="0 2 * * *", grace=3600)
    for day in range(len(month.days)):
        at = month.start + dt.timedelta(days=day, hours=2, minutes=30)
        failed = day in (4, 17)
        BackupRun.objects.create(job=job, finished_at=at, status="failed" if failed else "ok",
                                 verdict="failed" if failed else "ok", bytes=10**9)
        truth.backup_runs += 1
        truth.backup_failed += failed
        if day % 7 == 0:
            BackupReplica.objects.create(job=job, snapshot=f"s{day}", at=at, received_at=at + HOUR)
            truth.replicas += 1
    RestoreTest.objects.create(job=job, at=month.start + dt.timedelta(days=10, hours=10), result="ok",
                               files_checked=12)
    truth.restore_ok = 1
    truth.signoff_note = "Failures of the 5th and 18th checked: disk full, cleaned"
    BackupSignOff.objects.create(job=job, state="failed", note=truth.signoff_note, by="Giulia",
                                 at=month.start + dt.timedelta(days=18, hours=9))
