"""`custode engine` killed with SIGKILL mid-run and started again: no event twice, no flapping.

The real engine process shares the test database with the test, and checks real HTTP targets on
loopback; one target is stopped and started again on the same port while the other stays up.
"""

from __future__ import annotations

import pytest

from custode.engine.tests.harness import wait_for
from custode.monitors.models import Monitor
from custode.results.models import CheckResult, StateChange
from custode.server.tests.processes import Child, custode_env, running, shared_database_url
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

STATS = r'^\{"event": "engine.stats"'


def state(monitor: Monitor) -> str:
    return Monitor.objects.get(pk=monitor.pk).state


def changes(monitor: Monitor) -> list[tuple[str, str]]:
    return list(StateChange.objects.filter(monitor=monitor).order_by("id").values_list("from_state", "to_state"))


def results_after(monitor: Monitor, mark: int) -> int:
    return CheckResult.objects.filter(monitor=monitor, id__gt=mark).count()


def newest_result() -> int:
    return CheckResult.objects.order_by("-id").values_list("id", flat=True).first() or 0


def checked_again(engine: Child, *monitors: Monitor, times: int = 3) -> None:
    """Wait until the (new) engine has stored TIMES more results of every monitor."""
    engine.wait_for(STATS, timeout=60)
    mark = newest_result()
    wait_for(lambda: all(results_after(m, mark) >= times for m in monitors), timeout=30)


def assert_clean_sequence(monitor: Monitor) -> None:
    """Each change starts where the previous one ended and actually changes something."""
    sequence = changes(monitor)
    assert sequence and sequence[0][0] == "unknown", sequence
    for (_, before), (after, new) in zip(sequence, sequence[1:]):
        assert before == after, sequence
    assert all(old != new for old, new in sequence), sequence


def test_a_killed_engine_restarted_repeats_no_state_change_and_does_not_flap(tmp_path, target):
    stopping = target([200])
    steady = target([200])
    watched = factories.monitor(type="http", interval=1, retries=1, spec={"url": stopping.url})
    calm = factories.monitor(type="http", interval=1, retries=1, spec={"url": steady.url})
    env = {**custode_env(tmp_path, database_url=shared_database_url()),
           "CUSTODE_RESULTS_SAMPLE": "0"}  # every result a row: the test counts them to know the engine checked

    with running("engine", env=env) as engine:
        wait_for(lambda: state(watched) == state(calm) == "up", timeout=60)
        stopping.close()
        wait_for(lambda: state(watched) == "down", timeout=30)
        checked_again(engine, watched)  # DOWN results keep coming: the engine is killed mid-run
        engine.kill_group()
    assert changes(watched) == [("unknown", "up"), ("up", "down")]
    assert changes(calm) == [("unknown", "up")]

    with running("engine", env=env) as engine:
        checked_again(engine, watched, calm)
        assert changes(watched) == [("unknown", "up"), ("up", "down")]  # no DOWN again, no UNKNOWN->DOWN
        assert changes(calm) == [("unknown", "up")]  # no UNKNOWN->UP, no UP->UP
        target([200], port=stopping.port)
        wait_for(lambda: state(watched) == "up", timeout=30)
        engine.kill_group()

    with running("engine", env=env) as engine:
        checked_again(engine, watched, calm)
    assert changes(watched) == [("unknown", "up"), ("up", "down"), ("down", "up")]
    assert changes(calm) == [("unknown", "up")]
    for monitor in (watched, calm):
        assert_clean_sequence(monitor)
        assert state(monitor) == "up"
    assert CheckResult.objects.filter(monitor=calm).exclude(status="up").count() == 0
