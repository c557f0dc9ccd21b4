"""Pings to monitors that are removed, paused or edited while their jobs keep calling: each ping is
answered for its own monitor, and never spoils the pings of another monitor stored with it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from custode.asgi import application
from custode.config.apply import apply_text
from custode.monitors.models import Monitor
from custode.monitors.services import monitor_delete
from custode.results.models import Ping
from custode.testing.asgi_server import serving

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = """
provider:
  name: Rete Sicura
  timezone: Europe/Rome
  language: it
  contact: {phone: "+39 0521 000000", email: assistenza@retesicura.example, url: https://retesicura.example/}
infrastructure:
  - id: backup-server
    kind: server
    name: backup server
    monitors:
      - {id: nightly-backup, type: push, interval: 1h}
      - {id: db-dump, type: push, interval: 1h}
"""
WITHOUT_DB_DUMP = CONFIG.replace("      - {id: db-dump, type: push, interval: 1h}\n", "")


@pytest.fixture
def base_url():
    with serving(application) as url:
        yield url
    application.recorder.close()


def ping_url(base_url: str, key: str) -> str:
    return f"{base_url}/ping/{Monitor.objects.get(key=key).push_token}"


async def ping_together(urls: list[str], rounds: int) -> list[int]:
    """Each URL pinged ROUNDS times, all at once, so the pings share the recorder's batches."""
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=20)) as client:
        responses = await asyncio.gather(*(client.get(url) for _ in range(rounds) for url in urls))
    return [r.status_code for r in responses]


def test_a_pruned_monitor_still_pinged_is_404_and_every_ping_of_another_monitor_is_stored(base_url):
    apply_text(CONFIG, filename="custode.yaml")
    kept, removed = ping_url(base_url, "nightly-backup"), ping_url(base_url, "db-dump")
    assert asyncio.run(ping_together([kept, removed], 5)) == [200] * 10
    apply_text(WITHOUT_DB_DUMP, filename="custode.yaml", prune=True)
    statuses = asyncio.run(ping_together([kept, removed], 100))
    assert (statuses[0::2], statuses[1::2]) == ([200] * 100, [404] * 100)
    assert Ping.objects.filter(monitor__key="nightly-backup").count() == 105


def test_a_monitor_pinged_a_moment_ago_can_be_removed_and_takes_its_pings_with_it(base_url):
    apply_text(CONFIG, filename="custode.yaml")
    removed = Monitor.objects.get(key="db-dump")
    assert asyncio.run(ping_together([ping_url(base_url, "db-dump")], 20)) == [200] * 20
    monitor_delete(key="db-dump")
    assert not Monitor.objects.filter(key="db-dump").exists()
    assert not Ping.objects.filter(monitor_id=removed.id).exists()


def test_a_monitor_that_stops_being_push_answers_404_from_its_next_ping(base_url):
    apply_text(CONFIG, filename="custode.yaml")
    url = ping_url(base_url, "db-dump")
    assert httpx.get(url).status_code == 200
    apply_text(CONFIG.replace("{id: db-dump, type: push, interval: 1h}",
                              "{id: db-dump, type: tcp, host: 127.0.0.1, port: 5432}"), filename="custode.yaml")
    assert httpx.get(url).status_code == 404
    assert Ping.objects.filter(monitor__key="db-dump").count() == 1


def test_a_paused_or_edited_monitor_keeps_its_ping_url(base_url):
    apply_text(CONFIG, filename="custode.yaml")
    url = ping_url(base_url, "db-dump")
    assert httpx.get(url).status_code == 200
    apply_text(CONFIG.replace("{id: db-dump, type: push, interval: 1h}",
                              "{id: db-dump, type: push, interval: 2h, grace: 10m, paused: true}"),
               filename="custode.yaml")
    assert httpx.post(url + "/fail", content=b"disk full").status_code == 200
    monitor = Monitor.objects.get(key="db-dump")
    assert (monitor.interval, monitor.paused, monitor.last_ping_kind, monitor.last_ping_body) == (
        7200, True, "fail", "disk full")
    assert Ping.objects.filter(monitor=monitor).count() == 2
