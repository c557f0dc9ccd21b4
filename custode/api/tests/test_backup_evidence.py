"""GET /api/v1/customers/<id>/backups/evidence: a customer's runs, replicas, restore tests and sign-offs for a
period; read-only tokens may read it, a token limited to a customer reads only its own, bad input is named."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from custode.accounts.services import token_create
from custode.backups import services
from custode.backups.models import BackupJob, BackupSignOff
from custode.backups.reports import FinishReport, RestoreTestReport
from custode.backups.services import backup_save
from custode.backups.specs import BackupSpec
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    factories.provider(timezone="Europe/Rome")
    factories.staff("tech")
    for key in ("acme", "other"):
        factories.asset(f"{key}-nas", customer=factories.customer(key, name=key.title()), kind="nas")
        backup_save(asset=f"{key}-nas", spec=BackupSpec(id=f"{key}-nightly", schedule="0 2 * * *"))
    acme = BackupJob.objects.get(key="acme-nightly")
    services.backup_finish(job=acme, report=FinishReport(status="failed", tool="borg"))
    services.backup_restore_test(job=acme, report=RestoreTestReport(result="ok", files_checked=20))
    BackupSignOff.objects.create(job=acme, state="failed", reasons=["failed: the job reported a failure"],
                                 note="disk replaced", by="Tech", at=timezone.now(), minutes=15)


def client(**token) -> Client:
    _, secret = token_create(username="tech", can_write=False, **token)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_read_only_token_reads_a_customers_evidence(world):
    body = client().get("/api/v1/customers/acme/backups/evidence").json()
    today = timezone.now().astimezone(ZoneInfo("Europe/Rome")).date()
    assert (body["customer"], body["to"], body["timezone"]) == ("acme", today.isoformat(), "Europe/Rome")
    assert body["from"] == (today - dt.timedelta(days=29)).isoformat()
    [job] = body["jobs"]
    assert job["id"] == "acme-nightly" and [r["tool"] for r in job["runs"]] == ["borg"]
    assert [t["files_checked"] for t in job["restore_tests"]] == [20]
    assert [(s["note"], s["minutes"], s["by"]) for s in job["signoffs"]] == [("disk replaced", 15, "Tech")]


def test_a_period_before_the_jobs_were_set_up_lists_none(world):
    body = client().get("/api/v1/customers/acme/backups/evidence", {"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert body["customer"] == "acme" and body["jobs"] == []


@pytest.mark.parametrize(("query", "field", "said"), [
    ({"from": "2026-02-30"}, "from", "is not a date"), ({"to": "soon"}, "to", "is not a date"),
    ({"from": "2026-11-10", "to": "2026-11-01"}, "from", "is after to"),
    ({"from": "2020-01-01", "to": "2026-01-01"}, "to", "at most 366"),
])
def test_a_bad_period_is_422_naming_it(world, query, field, said):
    answer = client().get("/api/v1/customers/acme/backups/evidence", query)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["query", field] and said in error["msg"]


def test_an_unknown_customer_is_404_naming_it(world):
    answer = client().get("/api/v1/customers/nobody/backups/evidence")
    assert answer.status_code == 404 and "nobody" in answer.json()["detail"]


def test_a_token_limited_to_a_customer_reads_its_own_and_finds_no_other(world):
    limited = client(customer="acme")
    assert limited.get("/api/v1/customers/acme/backups/evidence").status_code == 200
    theirs, nothing = (limited.get(f"/api/v1/customers/{key}/backups/evidence") for key in ("other", "nobody"))
    assert theirs.status_code == nothing.status_code == 404
    assert theirs.json()["detail"].replace("other", "nobody") == nothing.json()["detail"]
