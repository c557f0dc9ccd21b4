"""Each backup problem, judged by the engine, opens one incident and one staff alert, tells no customer that
anything is down, and resolves when a good report comes. The clock is the test's."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from django.db import connections

from custode.backups import services
from custode.backups.models import BackupJob
from custode.backups.reports import FinishReport, ReplicaReport, RestoreTestReport
from custode.backups.tests.conftest import job
from custode.engine import engine as engine_module
from custode.engine.engine import Engine
from custode.incidents.models import Incident, Status
from custode.incidents.processor import step
from custode.monitors.models import Monitor
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

UTC = dt.timezone.utc
NIGHT = dt.datetime(2026, 12, 3, 1, 30, tzinfo=UTC)  # 02:30 in Rome, half an hour into the 02:00 run
MINUTE = dt.timedelta(minutes=1)


def judge(monkeypatch, now: dt.datetime) -> None:
    """One round of the engine at NOW: load, read the jobs' reports, evaluate, write; then the incidents."""
    monkeypatch.setattr(engine_module, "utcnow", lambda: now)

    async def once() -> None:
        engine = Engine(emit=lambda line: None)
        try:
            await engine.reload()
            for rt in list(engine.monitors.values()):
                result = await engine._execute(rt)
                if result is not None:
                    engine._judge(rt, result)
            await engine.flush()
        finally:
            await engine._db(connections.close_all)
            engine.db.shutdown(wait=True)

    asyncio.run(once())
    while step(now=now):
        pass


def finish(job: BackupJob, now: dt.datetime, **fields) -> None:
    fields.setdefault("status", "ok")
    services.backup_finish(job=job, report=FinishReport(**fields), now=now)


def staff_alerts() -> list[Message]:
    return list(Message.objects.filter(audience="staff", topic__startswith="incident:").order_by("id"))


@pytest.fixture
def world(nas):
    factories.staff("domenico", name="Domenico", language="it", notify=["email"])
    factories.contact(nas.customer, name="Anna Bianchi", email="anna@bianchi.example", notify=["email"])
    nightly = job("bianchi-nas-nightly", "bianchi-nas", min_size_ratio=0.8, replica_within="24h",
                  restore_test_every="30d")
    BackupJob.objects.filter(pk=nightly.pk).update(created_at=NIGHT - dt.timedelta(days=20))
    for night in range(10, 0, -1):
        finish(nightly, NIGHT - dt.timedelta(days=night), bytes=8_400_000_000, files=120_000, duration_s=1800)
    services.backup_replica(job=nightly, report=ReplicaReport(snapshot="a1"), now=NIGHT - dt.timedelta(hours=20))
    services.backup_restore_test(job=nightly, report=RestoreTestReport(result="ok"), now=NIGHT - dt.timedelta(days=2))
    return BackupJob.objects.get(pk=nightly.pk)


def make_failed(nightly, now):
    finish(nightly, now, status="failed")


def make_shrunk(nightly, now):
    finish(nightly, now, bytes=1_200_000_000, files=119_000, duration_s=1700)


def make_missed(nightly, now):
    return now + dt.timedelta(days=1, hours=2)  # tomorrow's run due at 03:00 UTC never came


def make_stale(nightly, now):
    finish(nightly, now, bytes=8_400_000_000, files=120_000, duration_s=1800)
    return now + dt.timedelta(hours=5)  # the replica reported 20 h before the night is now 25 h old


def make_overdue(nightly, now):
    finish(nightly, now, bytes=8_400_000_000, files=120_000, duration_s=1800)
    services.backup_restore_test(job=nightly, report=RestoreTestReport(result="failed", evidence="pack 3f9a missing\n"),
                                 now=now)


def make_restore_overdue(nightly, now):
    finish(nightly, now, bytes=8_400_000_000, files=120_000, duration_s=1800)
    services.backup_replica(job=nightly, report=ReplicaReport(snapshot="b1"), now=now)
    job("bianchi-nas-nightly", "bianchi-nas", min_size_ratio=0.8, replica_within="24h", restore_test_every="1d")


CASES = {
    "failed": (make_failed, "failed: the job reported a failure"),
    "shrunk": (make_shrunk, "shrunk: 1.2 GB, median of the last 10 good runs 8.4 GB, ratio 0.14 (below 0.8)"),
    "missed": (make_missed, "missed: no finish since 2026-12-04 02:00"),
    "stale_replica": (make_stale, "stale_replica: newest replica 25h old; expected within 1d"),
    "restore_overdue": (make_restore_overdue, "restore_overdue: last good restore test 2d old; expected within 1d"),
    "restore_failed": (make_overdue, "failed: the last restore test failed: pack 3f9a missing"),
}


def good_again(nightly: BackupJob, now: dt.datetime) -> None:
    finish(nightly, now, bytes=8_400_000_000, files=120_000, duration_s=1800)
    services.backup_replica(job=nightly, report=ReplicaReport(snapshot="b2"), now=now)
    services.backup_restore_test(job=nightly, report=RestoreTestReport(result="ok"), now=now)


@pytest.mark.parametrize("problem", CASES)
def test_a_backup_problem_opens_one_staff_incident_and_a_good_report_resolves_it(monkeypatch, world, problem):
    make, reason = CASES[problem]
    judge(monkeypatch, NIGHT)
    assert not Incident.objects.exists()
    now = make(world, NIGHT) or NIGHT
    judge(monkeypatch, now)
    judge(monkeypatch, now + MINUTE)  # judged again: nothing told twice
    monitor = Monitor.objects.get(backup_job=world)
    assert monitor.state == "down" and monitor.last_reason.startswith(reason)
    incident = Incident.objects.get()
    assert (incident.impact, incident.root_asset, incident.title) == ("job", world.asset,
                                                                       "NAS Bianchi: bianchi-nas-nightly failed")
    assert not incident.affected.exists(), "a backup problem is the provider's to fix: no customer is down"
    assert len(staff_alerts()) == 1
    assert not Message.objects.filter(audience="customer").exists()

    good_again(world, now + 10 * MINUTE)
    judge(monkeypatch, now + 11 * MINUTE)
    judge(monkeypatch, now + 20 * MINUTE)  # stable past CUSTODE_INCIDENT_STABLE (2m)
    assert Monitor.objects.get(backup_job=world).state == "up"
    assert Incident.objects.get().status == Status.RESOLVED
    assert Incident.objects.count() == 1 and len(staff_alerts()) == 2  # opened, resolved
    assert not Message.objects.filter(audience="customer").exists()
