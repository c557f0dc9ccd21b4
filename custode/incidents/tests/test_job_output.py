"""The staff alert of an incident with heartbeats quotes what each job said last, in the reader's language."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import messages
from custode.incidents.models import Incident
from custode.testing import factories

OPENED = dt.datetime(2026, 12, 2, 9, 42, tzinfo=dt.UTC)
RSYNC = "sending incremental file list\nrsync: [sender] write error: No space left on device (28)\nexit 12"


@pytest.fixture
def incident(db):
    factories.provider(name="Rete Sicura S.r.l.")
    for username, language in (("domenico", "it"), ("giulia", "en"), ("lucia", "es")):
        factories.staff(username, name=username.title(), language=language, notify=["email"])
    nas = factories.asset("nas-01", kind="nas", name="NAS ufficio")
    backup = factories.monitor("nas-backup", asset=nas, type="push", spec={"grace": "1h"}, state="down",
                               last_reason="the job exited with code 12", last_ping_body=RSYNC)
    quiet = factories.monitor("nas-scrub", asset=nas, type="push", spec={"grace": "1h"}, state="down",
                              last_reason="no ping for 2d; expected every 1d + 1h grace")
    incident = Incident.objects.create(title="nas-backup failed", root_asset=nas, opened_at=OPENED,
                                       confirmed_at=OPENED)
    incident.monitors.add(backup, quiet)
    return incident


def staff_bodies(incident) -> dict[str, str]:
    return {m.language: m.body for m in messages.incident_opened(incident, customers=[]) if m.audience == "staff"}


def test_the_staff_alert_quotes_each_jobs_last_output_in_the_readers_language(incident):
    bodies = staff_bodies(incident)
    quoted = ("  > sending incremental file list\n"
              "  > rsync: [sender] write error: No space left on device (28)\n  > exit 12\n")
    assert f"\nLast output of nas-backup on NAS ufficio:\n{quoted}" in bodies["en"]
    assert f"\nUltimo output di nas-backup su NAS ufficio:\n{quoted}" in bodies["it"]
    assert f"\nÚltima salida de nas-backup en NAS ufficio:\n{quoted}" in bodies["es"]
    assert "nas-scrub on NAS ufficio:\n  (none: the job sent no output)\n" in bodies["en"]
    assert "nas-scrub su NAS ufficio:\n  (nessuno: il job non ha inviato output)\n" in bodies["it"]
    assert "nas-scrub en NAS ufficio:\n  (ninguna: el trabajo no envió salida)\n" in bodies["es"]
    for body in bodies.values():
        assert "\n\n\n" not in body and "{" not in body
        assert body.rstrip().endswith(f"/incidents/{incident.pk}/")


def test_a_long_output_is_quoted_by_its_end_where_the_job_says_why(incident):
    incident.monitors.filter(key="nas-backup").update(last_ping_body="x" * 3000 + "\nFATAL: disk full")
    body = staff_bodies(incident)["en"]
    assert "Last output of nas-backup on NAS ufficio (its last 500 characters):\n" in body
    assert "  > FATAL: disk full\n" in body
    assert len(body) < 1500


def test_an_incident_with_no_heartbeat_has_no_job_output(incident):
    incident.monitors.set([factories.monitor("nas-ping", asset=incident.root_asset, type="ping",
                                             spec={"host": "192.0.2.9"})])
    body = staff_bodies(incident)["en"]
    assert "Last output" not in body and "\n\n\n" not in body
