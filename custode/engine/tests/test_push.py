"""Push monitors through the real engine: pings make them UP, silence makes them DOWN."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum

from custode.engine.tests.harness import running_engine, wait_for
from custode.monitors.models import Monitor
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def push_monitor(**fields) -> Monitor:
    fields.setdefault("spec", {"grace": "1s"})
    return factories.monitor(type="push", interval=1, **fields)


def ping(monitor: Monitor, ago: float = 0.0, kind: str = "success") -> None:
    at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=ago)
    Monitor.objects.filter(pk=monitor.pk).update(last_ping_at=at, last_ping_kind=kind)


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def test_a_monitor_never_pinged_is_down_interval_plus_grace_after_it_was_created():
    monitor = push_monitor(retries=0, created_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=7))
    with running_engine():
        wait_for(lambda: state(monitor) == "down")
    change = StateChange.objects.get()
    assert (change.from_state, change.to_state) == ("unknown", "down")
    assert change.reason == "never pinged since it was created 7m ago; expected every 1s + 1s grace"


def test_a_monitor_just_created_and_never_pinged_waits_for_its_first_ping():
    monitor = push_monitor(spec={"grace": "30s"})
    with running_engine() as engine:
        wait_for(lambda: len(engine.stats.lags) >= 2)
    assert state(monitor) == "unknown"
    assert not StateChange.objects.exists()


def test_a_start_with_no_finish_within_grace_is_down_saying_so():
    monitor = push_monitor(retries=0)
    ping(monitor, ago=5, kind="success")
    ping(monitor, kind="start")
    with running_engine():
        wait_for(lambda: state(monitor) == "down", timeout=8)
    assert StateChange.objects.get().reason.startswith("started ")
    assert StateChange.objects.get().reason.endswith("ago, never finished (grace 1s)")


def test_a_start_then_a_success_is_up():
    monitor = push_monitor(spec={"grace": "5s"})
    ping(monitor, kind="start")
    with running_engine():
        ping(monitor, kind="success")
        wait_for(lambda: state(monitor) == "up")
    assert list(StateChange.objects.values_list("to_state", flat=True)) == ["up"]


def test_a_start_keeps_a_failed_job_down_until_it_finishes():
    monitor = push_monitor(retries=0, spec={"grace": "30s"})
    ping(monitor, kind="fail:3")
    with running_engine() as engine:
        wait_for(lambda: state(monitor) == "down")
        ping(monitor, kind="start")
        evaluated = len(engine.stats.lags)
        wait_for(lambda: len(engine.stats.lags) >= evaluated + 2)
        assert state(monitor) == "down"
        ping(monitor, kind="success")
        wait_for(lambda: state(monitor) == "up")
    assert StateChange.objects.first().reason == "the job exited with code 3"


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


def rollup_counts(monitor) -> dict:
    from custode.results.models import Rollup

    return Rollup.objects.filter(monitor=monitor).aggregate(count=Sum("count"), up=Sum("up_count"))


def test_every_check_counts_in_the_hourly_rollups_and_one_up_per_sample_is_kept_as_a_raw_result():
    from custode.results.models import CheckResult

    monitor = push_monitor(spec={"grace": "1m"})  # up at every check, however slowly the machine runs them
    ping(monitor)
    with running_engine(sample=86400):
        wait_for(lambda: (rollup_counts(monitor)["count"] or 0) >= 3, timeout=30)
    counted = rollup_counts(monitor)
    assert counted["up"] == counted["count"] >= 3
    assert 1 <= CheckResult.objects.filter(monitor=monitor).count() <= 2  # 2 only if a day began meanwhile
    assert Monitor.objects.get(pk=monitor.pk).last_check_at is not None


def test_with_sampling_off_every_check_is_a_raw_result():
    from custode.results.models import CheckResult

    monitor = push_monitor(spec={"grace": "1m"})
    ping(monitor)
    with running_engine(sample=0):
        wait_for(lambda: CheckResult.objects.filter(monitor=monitor).count() >= 2)
    assert rollup_counts(monitor)["count"] == CheckResult.objects.filter(monitor=monitor).count()


class CountedStore:
    """The engine's store, counting the looks at pings and reported facts."""

    def __init__(self):
        from custode.engine import store

        self.store, self.looks = store, []

    def __getattr__(self, name):
        return getattr(self.store, name)

    def pings_since(self, since):
        self.looks.append("pings")
        return self.store.pings_since(since)

    def facts_since(self, kind, since):
        self.looks.append(kind)
        return self.store.facts_since(kind, since)


def test_an_engine_without_push_monitors_reads_no_pings_until_one_is_added():
    factories.monitor(type="tcp", spec={"host": "127.0.0.1", "port": 9})
    counted = CountedStore()
    with running_engine(store=counted) as engine:
        wait_for(lambda: engine.stats.checks >= 2)
        assert counted.looks == []
        monitor = push_monitor()
        ping(monitor)
        wait_for(lambda: state(monitor) == "up", timeout=5)
    assert "pings" in counted.looks
