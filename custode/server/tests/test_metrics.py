"""/metrics over real HTTP from the real ASGI app, its numbers read back from the real database."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from custode.asgi import application
from custode.incidents.models import Incident
from custode.notify.models import Message
from custode.results.models import CheckResult, StateChange
from custode.testing import factories
from custode.testing.asgi_server import serving

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def base_url():
    with serving(application) as url:
        yield url
    application.recorder.close()


def scrape(base_url: str, **headers: str) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    response = httpx.get(f"{base_url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def monitors(samples: dict, **labels: str) -> float:
    return samples[("custode_monitors", tuple(sorted(labels.items())))]


def message(n: int, status: str) -> Message:
    return Message.objects.create(key=f"test:{n}", audience="staff", channel="email", recipient=f"t{n}@example.com",
                                  language="en", subject="s", body="b", status=status, next_attempt_at=NOW)


def test_monitor_counts_follow_their_states_and_types(base_url):
    for state in ("up", "up", "down"):
        factories.monitor(type="http", state=state, last_check_at=NOW)
    factories.monitor(type="push", spec={"grace": "1m"})
    samples = scrape(base_url)
    assert monitors(samples, type="http", state="up") == 2
    assert monitors(samples, type="http", state="down") == 1
    assert monitors(samples, type="push", state="unknown") == 1
    assert monitors(samples, type="tcp", state="down") == 0  # every pair is present, zeros included
    assert samples[("custode_last_check_timestamp_seconds", ())] == NOW.timestamp()


def test_pings_received_and_stored_are_counted_by_the_web_process(base_url):
    push = factories.monitor(type="push", spec={"grace": "1m"})
    before = scrape(base_url)
    httpx.get(f"{base_url}/ping/{push.push_token}")
    httpx.post(f"{base_url}/ping/{push.push_token}/fail", content=b"disk full")
    httpx.get(f"{base_url}/ping/6f1c2a3e-0000-4000-8000-000000000000")  # no such monitor
    after = scrape(base_url)
    received, stored = ("custode_pings_received_total", ()), ("custode_pings_stored_total", ())
    assert after[received] - before[received] == 3
    assert after[stored] - before[stored] == 2


def test_check_results_counter_grows_with_every_stored_result(base_url):
    monitor = factories.monitor()
    CheckResult.objects.create(monitor=monitor, at=NOW, status="up")
    before = scrape(base_url)[("custode_check_results_total", ())]
    CheckResult.objects.bulk_create(CheckResult(monitor=monitor, at=NOW, status="down") for _ in range(3))
    CheckResult.objects.filter(pk=CheckResult.objects.order_by("id")[0].pk).delete()  # pruning keeps it growing
    assert scrape(base_url)[("custode_check_results_total", ())] - before == 3


def test_open_incidents_unprocessed_changes_and_outbox_by_status(base_url):
    monitor = factories.monitor()
    Incident.objects.create(title="Server down", opened_at=NOW)
    Incident.objects.create(title="Router slow", status="monitoring", opened_at=NOW)
    Incident.objects.create(title="Fixed", status="resolved", opened_at=NOW, resolved_at=NOW)
    StateChange.objects.create(monitor=monitor, at=NOW, from_state="up", to_state="down")
    StateChange.objects.create(monitor=monitor, at=NOW, from_state="down", to_state="up", processed_at=NOW)
    for n, status in enumerate(["pending", "pending", "sent", "failed", "sent", "sent"]):
        message(n, status)
    samples = scrape(base_url)
    assert samples[("custode_incidents_open", ())] == 2
    assert samples[("custode_state_changes_unprocessed", ())] == 1
    outbox = {status: samples[("custode_outbox_messages", (("status", status),))] for status in ("pending", "sent", "failed")}
    assert outbox == {"pending": 2, "sent": 3, "failed": 1}


def test_metrics_are_open_by_default_and_need_the_token_when_one_is_set(base_url, settings):
    assert httpx.get(f"{base_url}/metrics").status_code == 200
    settings.METRICS_TOKEN = "s3cret-token"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-token"}):
        response = httpx.get(f"{base_url}/metrics", headers=headers)
        assert response.status_code == 401
        assert "Authorization: Bearer <CUSTODE_METRICS_TOKEN>" in response.text
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert ("custode_incidents_open", ()) in scrape(base_url, Authorization="Bearer s3cret-token")


def test_metrics_refuse_writes_and_leave_other_paths_to_django(base_url):
    assert httpx.post(f"{base_url}/metrics").status_code == 405
    assert httpx.get(f"{base_url}/api/v1/openapi.json").status_code == 200
