"""Several `custode engine` processes of one location on PostgreSQL share its monitors through leases.

Real engine processes check 6,000 HTTP monitors at a loopback target that notes when each monitor's URL was
asked for, so a check skipped or made twice shows as a gap between two checks of one monitor that is not
about one interval.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from custode.assets.models import Asset
from custode.engine.leases import SLOTS
from custode.engine.models import SlotLease
from custode.engine.tests.counting import CountingTarget
from custode.engine.tests.harness import wait_for
from custode.monitors.models import Monitor
from custode.server.tests.processes import Child, custode_env, shared_database_url
from custode.testing.asgi_server import free_port

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="engines share a location on PostgreSQL")]

MONITORS = 6000
INTERVAL = 6  # seconds: a lease of 4 s (the shortest), renewed every second


@pytest.fixture
def counted():
    """6,000 HTTP monitors, UP, every INTERVAL, each with its own URL on one counting target."""
    target = CountingTarget(free_port())
    asset = Asset.objects.create(key="shared", kind="server", name="shared")
    now = dt.datetime.now(dt.timezone.utc)
    Monitor.objects.bulk_create(
        [Monitor(key=f"m-{i}", asset=asset, type="http", interval=INTERVAL, retries=0, timeout=5.0, state="up",
                 state_since=now, spec={"url": target.url(f"/m/{i}")}) for i in range(MONITORS)], batch_size=2000)
    yield target
    target.close()


def holdings() -> list[int]:
    """How many slots each engine holds a valid lease on, fewest first."""
    valid = SlotLease.objects.filter(engine_id__isnull=False, expires_at__gt=timezone.now())
    return sorted(row["n"] for row in valid.values("engine_id").annotate(n=Count("id")))


def all_checked(target: CountingTarget) -> bool:
    return len(target.seen) == MONITORS


def off_beat(times: dict[str, list[float]], until: float) -> list[tuple[str, float]]:
    """Each monitor's checks that did not come about an interval after the one before (0.5 to 1.5 intervals),
    and a monitor not checked in the last 1.5 intervals, as (path, gap)."""
    odd = []
    for path, at in times.items():
        at = [t for t in at if t <= until]
        odd += [(path, round(b - a, 2)) for a, b in zip(at, at[1:]) if not 0.5 * INTERVAL < b - a < 1.5 * INTERVAL]
        if until - at[-1] >= 1.5 * INTERVAL:
            odd.append((path, round(until - at[-1], 2)))
    return odd


@contextlib.contextmanager
def engines(tmp_path, count: int):
    env = custode_env(tmp_path, database_url=shared_database_url())
    started: list[Child] = []

    def start() -> Child:
        started.append(Child("engine", env=env))
        started[-1].wait_for(r'^\{"event": "engine.stats"', timeout=60)
        return started[-1]

    try:
        for _ in range(count):
            start()
        yield started, start
    finally:
        for child in started:
            child.kill_group()


def test_engines_added_one_by_one_share_the_monitors_each_checked_once_an_interval(tmp_path, counted):
    with engines(tmp_path, 1) as (started, start):
        wait_for(lambda: holdings() == [SLOTS], timeout=30)
        wait_for(lambda: all_checked(counted), timeout=3 * INTERVAL)
        start()
        wait_for(lambda: holdings() == [SLOTS // 2, SLOTS // 2], timeout=30)
        time.sleep(2 * INTERVAL)
        start()
        wait_for(lambda: holdings() == [84, 86, 86], timeout=30)  # ceil(256 / 3) each, the last what is left
        time.sleep(2 * INTERVAL)
        end = time.monotonic()
        times = counted.times()
        assert started[0].stop() == 0  # SIGTERM: its slots are given back at once, not left to expire
        wait_for(lambda: holdings() == [SLOTS // 2, SLOTS // 2], timeout=5)
    odd = off_beat(times, end)
    checks = sum(len(at) for at in times.values())
    assert not odd, f"{len(odd)} checks off the beat of {checks}, e.g. {odd[:10]}"


def test_a_killed_engines_monitors_are_checked_again_within_two_intervals(tmp_path, counted):
    with engines(tmp_path, 2) as (started, _):
        wait_for(lambda: holdings() == [SLOTS // 2, SLOTS // 2], timeout=30)
        wait_for(lambda: all_checked(counted), timeout=3 * INTERVAL)
        time.sleep(INTERVAL)
        started[1].kill_group()
        at_kill = time.monotonic()
        time.sleep(2 * INTERVAL + 1)
        assert holdings() == [SLOTS]
        times = counted.times()
    late = {}
    for path, at in times.items():
        after = [t for t in at if t > at_kill]
        before = [t for t in at if t <= at_kill]
        if not after or after[0] - at_kill > 2 * INTERVAL:
            late[path] = round(after[0] - at_kill, 2) if after else None
        assert before, path
    assert not late, f"{len(late)} monitors not checked again within two intervals: {list(late.items())[:10]}"

