"""A failure is confirmed against what it depends on: the server's DOWN comes before its sites'."""

from __future__ import annotations

import time

import pytest

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def down_change(monitor: Monitor) -> StateChange:
    return StateChange.objects.get(monitor=monitor, to_state="down")


def server_and_site(server_url: str, site_url: str) -> tuple[Monitor, Monitor]:
    server = factories.asset(kind="server", name="vps-01")
    site = factories.asset(customer=factories.customer(), name="studiobianchi.example")
    site.depends_on.add(server)
    # The server is checked every 10 minutes: only the site's failure can make it be checked soon.
    server_monitor = factories.monitor(asset=server, interval=600, retries=1, spec={"url": server_url})
    site_monitor = factories.monitor(asset=site, interval=2, retries=0, spec={"url": site_url})
    return server_monitor, site_monitor


def test_a_site_failing_before_its_server_waits_and_goes_down_after_it(target):
    shared = target([200])
    server, site = server_and_site(shared.url, shared.url)
    with running_engine() as engine:
        wait_for(lambda: state(site) == "up", timeout=15)
        shared.close()
        wait_for(lambda: state(site) == "down", timeout=40)
    assert state(server) == "down"
    assert down_change(server).id < down_change(site).id
    assert "connection refused" in down_change(site).reason
    assert engine.upstream.waiting == {}


def test_a_site_failing_while_its_server_is_fine_goes_down_on_its_own_soon(target):
    server_target, site_target = target([200]), target([200, 503])
    server, site = server_and_site(server_target.url, site_target.url)
    with running_engine():
        started = time.monotonic()
        wait_for(lambda: state(site) == "down", timeout=30)
        took = time.monotonic() - started
    assert state(server) == "up"
    assert StateChange.objects.get(monitor=server).id < down_change(site).id  # asked for, and answered first
    assert took < 20  # far sooner than the server's own 10-minute turn
    assert "503" in down_change(site).reason


def test_a_paused_server_does_not_hold_its_sites(target):
    site_target = target([503])
    server, site = server_and_site(site_target.url, site_target.url)
    Monitor.objects.filter(pk=server.pk).update(paused=True)
    with running_engine():
        wait_for(lambda: state(site) == "down", timeout=20)
    assert not StateChange.objects.filter(monitor=server, to_state="down").exists()
