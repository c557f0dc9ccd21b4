"""A customer's backup evidence for a period: every run, replica, restore test and sign-off, and only theirs."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.backups import evidence, services
from custode.backups.models import BackupSignOff
from custode.backups.reports import FinishReport, ReplicaReport, RestoreTestReport
from custode.backups.tests.conftest import job
from custode.lib.changes import Invalid
from custode.testing import factories

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def history(nightly):
    nightly.created_at = NOW - dt.timedelta(days=60)
    nightly.save(update_fields=["created_at"])
    for days, status in ((25, "ok"), (10, "failed"), (1, "ok")):
        services.backup_finish(job=nightly, report=FinishReport(status=status, bytes=100), now=NOW - dt.timedelta(days=days))
    services.backup_replica(job=nightly, report=ReplicaReport(snapshot="r1"), now=NOW - dt.timedelta(days=9))
    services.backup_restore_test(job=nightly, report=RestoreTestReport(result="ok", files_checked=20, evidence="20 files"),
                                 now=NOW - dt.timedelta(days=8))
    BackupSignOff.objects.create(job=nightly, state="failed", reasons=["failed: the job reported a failure"],
                                 note="re-run by hand", by="Tech", at=NOW - dt.timedelta(days=10, hours=-1))
    outsider = factories.customer("other", name="Other Srl")
    factories.asset("other-nas", customer=outsider)
    services.backup_finish(job=job("other-nas-nightly", "other-nas"), report=FinishReport(status="ok"),
                           now=NOW - dt.timedelta(days=2))
    return nightly


def test_the_period_holds_every_run_replica_restore_test_and_sign_off_newest_first(history):
    found = evidence.evidence(history.asset.customer, dt.date(2026, 11, 5), dt.date(2026, 11, 20))
    assert [j["id"] for j in found["jobs"]] == ["bianchi-nas-nightly"]
    nightly = found["jobs"][0]
    assert [r["status"] for r in nightly["runs"]] == ["ok", "failed"]  # the one 25 days ago is before the period
    assert [r["snapshot"] for r in nightly["replicas"]] == ["r1"]
    assert [(t["result"], t["files_checked"]) for t in nightly["restore_tests"]] == [("ok", 20)]
    assert [(s["state"], s["note"], s["by"]) for s in nightly["signoffs"]] == [("failed", "re-run by hand", "Tech")]
    assert (found["customer"], found["from"], found["to"], found["timezone"]) == (
        "bianchi", dt.date(2026, 11, 5), dt.date(2026, 11, 20), "Europe/Rome")


def test_a_day_is_the_providers_whole_day(history):
    # the run 1 day before NOW finished at 11:00 in Rome on the 19th: in the 19th, not in the 18th
    assert len(evidence.evidence(history.asset.customer, dt.date(2026, 11, 19), dt.date(2026, 11, 19))["jobs"][0]["runs"]) == 1
    assert evidence.evidence(history.asset.customer, dt.date(2026, 11, 18), dt.date(2026, 11, 18))["jobs"][0]["runs"] == []


def test_the_period_defaults_to_the_last_30_days():
    assert evidence.period(None, None, today=dt.date(2026, 12, 3)) == (dt.date(2026, 11, 4), dt.date(2026, 12, 3))
    assert evidence.period("2026-11-01", "", today=dt.date(2026, 12, 3)) == (dt.date(2026, 11, 1), dt.date(2026, 12, 3))


@pytest.mark.parametrize(("start", "end", "field", "said"), [
    ("2026-13-01", None, "from", "'2026-13-01' is not a date"), (None, "yesterday", "to", "'yesterday' is not a date"),
    ("2026-11-10", "2026-11-01", "from", "is after to"), ("2024-01-01", "2026-01-01", "to", "at most 366"),
])
def test_a_bad_period_names_what_is_wrong(start, end, field, said):
    with pytest.raises(Invalid) as refused:
        evidence.period(start, end, today=dt.date(2026, 12, 3))
    assert refused.value.field == field and said in refused.value.message


def test_a_job_set_up_after_the_period_is_not_listed_in_it(history):
    later = job("bianchi-nas-weekly", "bianchi-nas")
    later.created_at = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.timezone.utc)
    later.save(update_fields=["created_at"])

    assert [j["id"] for j in evidence.evidence(history.asset.customer, dt.date(2026, 11, 5),
                                                dt.date(2026, 11, 20))["jobs"]] == ["bianchi-nas-nightly"]
    assert [j["id"] for j in evidence.evidence(history.asset.customer, dt.date(2026, 11, 5),
                                                dt.date(2026, 11, 21))["jobs"]] == ["bianchi-nas-nightly",
                                                                                    "bianchi-nas-weekly"]
