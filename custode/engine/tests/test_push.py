"""Push monitors through the real engine: pings make them UP, silence makes them DOWN."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def push_monitor(**fields) -> Monitor:
    return factories.monitor(type="push", interval=1, spec={"grace": "1s"}, **fields)


def ping(monitor: Monitor, ago: float = 0.0, kind: str = "success") -> None:
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=ago)
    Monitor.objects.filter(pk=monitor.pk).update(last_ping_at=at, last_ping_kind=kind)


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def test_a_monitor_never_pinged_stays_unknown():
    monitor = push_monitor()
    with running_engine() as engine:
        wait_for(lambda: engine.stats.lags)
    assert state(monitor) == "unknown"
    assert not StateChange.objects.exists()


def test_a_recent_ping_is_up_and_silence_then_turns_it_down():
    monitor = push_monitor()
    ping(monitor)
    with running_engine():
        wait_for(lambda: state(monitor) == "up")
        wait_for(lambda: state(monitor) == "down", timeout=8)
    changes = list(StateChange.objects.values_list("from_state", "to_state"))
    assert changes == [("unknown", "up"), ("up", "down")]
    assert "no ping for" in StateChange.objects.last().reason


def test_a_fail_ping_is_down_at_once():
    monitor = push_monitor(retries=0)
    ping(monitor, kind="fail")
    with running_engine():
        wait_for(lambda: state(monitor) == "down")
    assert StateChange.objects.get().reason == "the job reported a failure (/fail)"


def test_a_restart_does_not_repeat_state_changes():
    monitor = push_monitor(retries=0)
    ping(monitor, ago=60)
    with running_engine():
        wait_for(lambda: state(monitor) == "down")
    with running_engine() as engine:
        checks = engine.stats.checks
        wait_for(lambda: engine.stats.checks >= checks + 2)
    assert StateChange.objects.count() == 1


def test_a_monitor_added_while_running_is_checked_within_seconds():
    with running_engine():
        monitor = push_monitor()
        ping(monitor)
        wait_for(lambda: state(monitor) == "up", timeout=5)


def test_results_and_hourly_rollups_are_stored():
    from custode.results.models import CheckResult, Rollup

    monitor = push_monitor()
    ping(monitor)
    with running_engine():
        wait_for(lambda: CheckResult.objects.filter(monitor=monitor).count() >= 2)
    rollup = Rollup.objects.get(monitor=monitor)
    assert rollup.count == CheckResult.objects.filter(monitor=monitor).count()
    assert rollup.up_count == rollup.count
