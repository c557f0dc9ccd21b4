"""GET /api/v1/backups/<id>: the state with its reasons, the report URL, and what the job last reported."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from custode.accounts.services import token_create
from custode.backups import services
from custode.backups.reports import FinishReport, ReplicaReport
from custode.testing import factories


@pytest.fixture
def api(db, settings):
    settings.BASE_URL = "https://custode.example"
    factories.staff("tech")
    _, secret = token_create(username="tech", can_write=False)
    return lambda path: Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_job_shows_its_state_reasons_report_url_and_last_reports(api, nightly):
    now = dt.datetime.now(dt.timezone.utc)
    services.backup_finish(job=nightly, report=FinishReport(status="failed", tool="restic"), now=now)
    services.backup_replica(job=nightly, report=ReplicaReport(snapshot="4f2a"), now=now)
    body = api("/backups/bianchi-nas-nightly").json()
    assert body["state"] == "failed"
    assert body["reasons"][0] == "failed: the job reported a failure"
    assert body["report_url"] == f"https://custode.example/backup/{nightly.token}"
    assert (body["last_run"]["status"], body["last_run"]["tool"]) == ("failed", "restic")
    assert body["last_replica"]["snapshot"] == "4f2a" and body["last_restore_test"] is None
    assert [job["id"] for job in api("/backups").json()] == ["bianchi-nas-nightly"]


def test_a_job_never_reported_is_unknown_and_an_unknown_id_is_404(api, other):
    assert api("/backups/bianchi-nas-weekly").json()["state"] == "unknown"
    response = api("/backups/nope")
    assert response.status_code == 404 and "nope" in response.content.decode()


def test_the_jobs_own_monitor_is_not_listed_among_the_monitors(api, nightly):
    factories.monitor("bianchi-nas-ping", asset=nightly.asset, type="ping", spec={"host": "192.0.2.10"})
    assert [m["id"] for m in api("/monitors").json()["items"]] == ["bianchi-nas-ping"]
    assert api("/monitors/bianchi-nas-nightly").status_code == 404
