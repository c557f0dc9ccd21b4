"""Push monitors in the API: where the job reports, and what it said last (read-only)."""

from __future__ import annotations

import pytest

from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_push_monitor_shows_its_ping_url_and_the_jobs_last_output(read_client):
    monitor = factories.monitor("nightly-backup", type="push", spec={"grace": "5m"},
                                last_ping_body="restic: 3 snapshots kept\nerror: <disk> full")
    body = read_client.get("/monitors/nightly-backup").json()
    assert body["last_ping_body"] == "restic: 3 snapshots kept\nerror: <disk> full"
    assert body["ping_url"].endswith(f"/ping/{monitor.push_token}")
    assert "last_ping_body" not in read_client.get(f"/monitors/{factories.monitor().key}").json()


def test_the_last_output_cannot_be_written_through_the_api(write_client):
    factories.monitor("nightly-backup", type="push", spec={"grace": "5m"}, last_ping_body="kept")
    monitor = Monitor.objects.get()
    body = {"id": "nightly-backup", "type": "push", "asset": monitor.asset.key, "grace": "5m",
            "last_ping_body": "forged"}
    response = write_client.put("/monitors/nightly-backup", json=body)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["last_ping_body"]
    monitor.refresh_from_db()
    assert monitor.last_ping_body == "kept"
