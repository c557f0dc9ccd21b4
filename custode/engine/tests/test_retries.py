"""Retries through the real engine against a real HTTP target on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.results.models import CheckResult, Rollup, StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def test_a_target_that_fails_once_and_recovers_never_goes_down(target):
    flaky = target([500, 200])
    monitor = factories.monitor(type="http", interval=2, retries=1, spec={"url": flaky.url})
    with running_engine():
        wait_for(lambda: state(monitor) == "up", timeout=15)
    assert flaky.served >= 2
    assert list(StateChange.objects.values_list("to_state", flat=True)) == ["up"]
    assert CheckResult.objects.filter(monitor=monitor, status="down").count() == 1


def test_a_target_that_keeps_failing_goes_down_after_its_retries_with_the_reason(target):
    broken = target([503])
    monitor = factories.monitor(type="http", interval=2, retries=2, spec={"url": broken.url})
    with running_engine():
        wait_for(lambda: state(monitor) == "down", timeout=20)
    assert broken.served >= 3  # the first check and its two retries, at least
    change = StateChange.objects.get()
    assert (change.from_state, change.to_state) == ("unknown", "down")
    assert "503" in change.reason


def test_a_down_says_when_its_first_failed_check_was(target):
    """What incidents weigh a server's last good check against (``processor.hold_until``)."""
    broken = target([200, 503])
    monitor = factories.monitor(type="http", interval=2, retries=2, spec={"url": broken.url})
    with running_engine():
        wait_for(lambda: state(monitor) == "down", timeout=20)
    change = StateChange.objects.get(to_state="down")
    first_failure = CheckResult.objects.filter(monitor=monitor, status="down").order_by("id").first()
    assert change.failing_since == first_failure.at < change.at
    assert StateChange.objects.get(to_state="up").failing_since is None


def test_a_check_custode_cannot_run_is_an_error_at_once_and_counts_in_no_uptime(target, monkeypatch):
    monkeypatch.delenv("CUSTODE_TEST_UNSET_PASSWORD", raising=False)
    site = target([200])
    monitor = factories.monitor(type="http", interval=2, retries=2, spec={
        "url": site.url, "basic_auth": {"user": "monitor", "password_env": "CUSTODE_TEST_UNSET_PASSWORD"}})
    with running_engine():
        wait_for(lambda: state(monitor) == "error", timeout=15)
    change = StateChange.objects.get()
    assert (change.from_state, change.to_state) == ("unknown", "error")
    assert change.reason == "environment variable CUSTODE_TEST_UNSET_PASSWORD is not set"
    assert site.served == 0, "nothing was sent: without its secret the check cannot run"
    assert not Rollup.objects.filter(monitor=monitor).exists()


def test_a_resumed_monitor_is_unknown_not_paused_while_its_first_failures_are_retried(target):
    broken = target([503])
    monitor = factories.monitor(type="http", interval=60, retries=3, spec={"url": broken.url}, paused=True,
                                state="paused")
    with running_engine():
        wait_for(lambda: state(monitor) == "paused")  # loaded, not checked
        resumed = Monitor.objects.get(pk=monitor.pk)
        resumed.paused = False
        resumed.save()
        wait_for(lambda: CheckResult.objects.filter(monitor=monitor, status="down").exists())
        wait_for(lambda: state(monitor) == "unknown", timeout=5)
    assert 1 <= broken.served <= 3  # failures its retries have not confirmed yet (the fourth would be DOWN)
    assert list(StateChange.objects.filter(monitor=monitor).values_list("from_state", "to_state")) == [
        ("paused", "unknown")]


def test_a_monitor_whose_maintenance_ended_is_unknown_not_in_maintenance_while_its_failures_are_retried(target):
    broken = target([503])
    server = factories.asset("srv-maint", kind="server")
    factories.maintenance(server, start=timezone.now() - dt.timedelta(hours=1), duration=3540)  # ended a minute ago
    monitor = factories.monitor(asset=server, type="http", interval=60, retries=3, spec={"url": broken.url},
                                state="maintenance")
    with running_engine():
        wait_for(lambda: CheckResult.objects.filter(monitor=monitor, status="down").exists())
        wait_for(lambda: state(monitor) == "unknown", timeout=5)
    assert 1 <= broken.served <= 3  # its retries have not confirmed the failure yet
    assert list(StateChange.objects.filter(monitor=monitor).values_list("from_state", "to_state")) == [
        ("maintenance", "unknown")]
