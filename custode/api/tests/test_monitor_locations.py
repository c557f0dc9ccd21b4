"""A monitor checked from several locations shows each of them in the API; a monitor with one shows none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from custode.results.models import LocationState
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_monitor_read_shows_what_each_of_its_locations_sees_in_the_order_of_its_locations(read_client):
    now = timezone.now().replace(microsecond=0)
    monitor = factories.monitor("rdp", locations=["milan", "frankfurt", "madrid"], quorum=2, state="up")
    LocationState.objects.create(monitor=monitor, location="madrid", state="down", reason="connection refused",
                                 since=now - dt.timedelta(minutes=3), last_check_at=now)
    LocationState.objects.create(monitor=monitor, location="milan", state="up", since=now, last_check_at=now)

    body = read_client.get("/monitors/rdp").json()

    assert body["state"] == "up" and body["locations"] == ["milan", "frankfurt", "madrid"]
    assert [(row["location"], row["state"], row["reason"]) for row in body["by_location"]] == [
        ("milan", "up", ""), ("frankfurt", "unknown", ""), ("madrid", "down", "connection refused")]
    madrid = body["by_location"][2]
    assert dt.datetime.fromisoformat(madrid["last_check_at"]) == now
    assert dt.datetime.fromisoformat(madrid["since"]) == now - dt.timedelta(minutes=3)
    assert body["by_location"][1]["last_check_at"] is None


def test_a_monitor_with_one_location_has_no_rows_by_location(read_client):
    factories.monitor("www", state="up")
    body = read_client.get("/monitors/www").json()
    assert "by_location" not in body and body["state"] == "up" and "last_reason" in body
