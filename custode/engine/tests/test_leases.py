"""The lease rules on their own: fair shares and expired slots (PostgreSQL), and when a taken-over monitor is due."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection

from custode.engine import leases
from custode.engine.leases import SLOTS, lease_for, next_check
from custode.engine.models import EngineProcess, SlotLease

INTERVAL = 60.0


def monitor(offset: float) -> SimpleNamespace:
    return SimpleNamespace(period=lambda: INTERVAL, offset=lambda: offset)


def ago(seconds: float) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=seconds)


NOW = 1_800_000_000.0  # a wall-clock time on a whole minute


def before(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(NOW - seconds, dt.timezone.utc)


def test_a_taken_over_monitor_is_due_an_interval_after_its_last_check():
    assert next_check(monitor(30), before(20), NOW) == pytest.approx(40)


def test_a_late_monitor_is_caught_up_spread_over_as_long_as_it_is_late_at_most_a_quarter_interval():
    assert next_check(monitor(30), before(64), NOW) == pytest.approx(30 / 60 * 4)
    assert next_check(monitor(30), before(100), NOW) == pytest.approx(30 / 60 * 15)


def test_a_monitor_never_checked_or_not_for_long_keeps_its_offset_on_the_wall_clock_whichever_engine_takes_it():
    assert next_check(monitor(30), None, NOW) == pytest.approx(30)
    assert next_check(monitor(30), None, NOW + 10) == pytest.approx(20)  # taken 10 s later: the same turn
    assert next_check(monitor(30), before(600), NOW) == pytest.approx(30)


def test_a_lease_is_half_the_shortest_period_between_4_and_30_seconds():
    assert [lease_for(p) for p in (1, 6, 10, 60, 3600)] == [4, 4, 5, 30, 30]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="leases are PostgreSQL's")
def test_engines_take_their_fair_share_and_the_expired_slots_of_a_dead_one():
    first = leases.register("milan", 10)
    leases.register("madrid", 10)  # another location's engine counts for none of milan's shares
    assert leases.renew(first, "milan", 10) == (set(range(SLOTS)), SLOTS)  # alone: every slot
    second = leases.register("milan", 10)
    assert leases.renew(second, "milan", 10) == (set(), SLOTS // 2)  # nothing free yet
    assert leases.renew(first, "milan", 10) == (set(range(SLOTS)), SLOTS // 2)  # above its share: its to free
    leases.release(first, "milan", list(range(SLOTS // 2, SLOTS)))
    assert leases.renew(second, "milan", 10) == (set(range(SLOTS // 2, SLOTS)), SLOTS // 2)
    assert leases.renew(first, "milan", 10) == (set(range(SLOTS // 2)), SLOTS // 2)
    EngineProcess.objects.filter(id=first).update(alive_until=ago(1))
    SlotLease.objects.filter(engine_id=first).update(expires_at=ago(1))  # the first was killed a lease ago
    assert leases.renew(second, "milan", 10) == (set(range(SLOTS)), SLOTS)
    leases.leave(second, "milan")
    assert not SlotLease.objects.filter(location="milan", engine_id__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="leases are PostgreSQL's")
def test_a_taken_over_monitor_of_several_locations_continues_from_its_own_locations_last_check():
    from custode.results.models import LocationState
    from custode.testing import factories

    one = factories.monitor(state="down", last_check_at=ago(5))
    both = factories.monitor(locations=["milan", "madrid"], state="up", last_check_at=ago(1))
    LocationState.objects.create(monitor=both, location="milan", state="down", last_check_at=ago(30))
    never = factories.monitor(locations=["milan", "madrid"], state="up", last_check_at=ago(1))

    last = leases.last_checks(sorted({m.pk % SLOTS for m in (one, both, never)}), "milan")

    assert last[one.pk][1] == "down" and last[both.pk][1] == "down" and last[never.pk] == (None, None)
    assert abs((ago(30) - last[both.pk][0]).total_seconds()) < 5


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="leases are PostgreSQL's")
def test_an_engine_taking_slots_never_checks_their_paused_monitors(target):
    from custode.engine.leases import Leases
    from custode.engine.tests.harness import running_engine, wait_for
    from custode.monitors.models import Monitor
    from custode.testing import factories

    active, quiet = target([200]), target([200])
    checked = factories.monitor(interval=1, spec={"url": active.url})
    paused = factories.monitor(interval=1, spec={"url": quiet.url}, paused=True)

    with running_engine(leases=Leases("local", lease=4.0)) as engine:
        wait_for(lambda: active.served >= 3)  # every slot taken, its monitors scheduled and checked again
        assert engine.leases.owned == set(range(SLOTS))

    assert quiet.served == 0
    assert Monitor.objects.get(pk=paused.pk).last_check_at is None
    assert Monitor.objects.get(pk=checked.pk).last_check_at is not None
