"""A monitor checked from several locations: its state is the verdict over them, stored with each location's batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custode.engine import store
from custode.monitors.models import Monitor
from custode.results.models import LocationState, Rollup, StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 9, 58, 30, tzinfo=dt.timezone.utc)
INTERVAL = 60


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def triple(quorum: int, **fields) -> Monitor:
    return factories.monitor(interval=INTERVAL, timeout=10.0, locations=["milan", "frankfurt", "madrid"],
                             quorum=quorum, **fields)


def seen(monitor: Monitor, location: str, new: str, seconds: float = 0, *, old: str = "unknown",
         reason: str = "") -> list[store.Transition]:
    """LOCATION's engine checks MONITOR at T0 + SECONDS and finds it NEW (its state moving from OLD)."""
    batch = store.Batch(location=location, several=frozenset({monitor.pk}))
    status = "up" if new in ("up", "unknown") else new
    batch.observations.append(store.Observation(monitor.pk, at(seconds), status, 12.0, reason))
    if new != old:
        batch.transitions.append(store.Transition(monitor.pk, at(seconds), old, new, reason))
    return store.write(batch)


def state(monitor: Monitor) -> tuple[str, str]:
    monitor.refresh_from_db()
    return monitor.state, monitor.last_reason


def changes(monitor: Monitor) -> list[tuple[str, str, str]]:
    return list(StateChange.objects.filter(monitor=monitor).values_list("from_state", "to_state", "reason"))


def test_one_location_down_of_a_quorum_of_two_changes_nothing_but_its_own_row():
    monitor = triple(2)
    for location in ("milan", "frankfurt", "madrid"):
        seen(monitor, location, "up")
    seen(monitor, "madrid", "down", 30, old="up", reason="connection refused")

    assert state(monitor)[0] == "up"
    assert changes(monitor) == [("unknown", "up", "")]
    assert LocationState.objects.get(monitor=monitor, location="madrid").state == "down"


def test_the_quorum_met_makes_it_down_with_a_reason_naming_the_locations_that_see_it_failing():
    monitor = triple(2)
    for location in ("milan", "frankfurt", "madrid"):
        seen(monitor, location, "up")
    seen(monitor, "madrid", "down", 30, old="up", reason="connection refused")
    seen(monitor, "frankfurt", "down", 31, old="up", reason="connection refused")

    assert state(monitor) == ("down", "down from frankfurt, madrid: connection refused")
    assert changes(monitor)[-1] == ("up", "down", "down from frankfurt, madrid: connection refused")
    change = StateChange.objects.filter(monitor=monitor).last()
    assert change.failing_since == at(30)  # madrid's failures began first


def test_locations_failing_for_different_reasons_each_say_theirs():
    monitor = triple(1)
    seen(monitor, "milan", "up")
    seen(monitor, "frankfurt", "down", 1, reason="connection refused")
    seen(monitor, "madrid", "down", 2, reason="timed out after 10s")

    assert state(monitor) == ("down", "down from frankfurt: connection refused; down from madrid: timed out after 10s")


def test_it_is_up_again_when_fewer_than_the_quorum_fail():
    monitor = triple(2)
    seen(monitor, "milan", "up")
    seen(monitor, "frankfurt", "down", 1, reason="connection refused")
    seen(monitor, "madrid", "down", 2, reason="connection refused")
    seen(monitor, "frankfurt", "up", 60, old="down")

    assert state(monitor)[0] == "up"
    assert [c[:2] for c in changes(monitor)] == [("unknown", "up"), ("up", "down"), ("down", "up")]


def test_a_silent_location_is_not_counted():
    """Frankfurt went down and then fell silent (its engine died): its old DOWN makes no quorum with madrid's."""
    monitor = triple(2)
    seen(monitor, "milan", "up")
    seen(monitor, "frankfurt", "down", 0, reason="connection refused")
    stale = 3 * INTERVAL + 10 + 1  # three intervals and the timeout
    seen(monitor, "milan", "up", stale - 1, old="up")
    seen(monitor, "madrid", "down", stale, reason="connection refused")

    assert state(monitor)[0] == "up"
    seen(monitor, "frankfurt", "down", stale + 1, old="down", reason="connection refused")  # it speaks again
    assert state(monitor) == ("down", "down from frankfurt, madrid: connection refused")


def test_degraded_when_the_quorum_sees_it_failing_but_too_few_see_it_down():
    monitor = triple(2)
    seen(monitor, "milan", "up")
    seen(monitor, "frankfurt", "degraded", 1, reason="certificate expires in 5 days")
    seen(monitor, "madrid", "down", 2, reason="connection refused")

    assert state(monitor) == ("degraded", "degraded from frankfurt: certificate expires in 5 days; "
                                          "down from madrid: connection refused")


def test_rollups_count_the_verdict_not_each_locations_result():
    monitor = triple(2)
    seen(monitor, "milan", "up")
    seen(monitor, "frankfurt", "up")
    seen(monitor, "madrid", "down", 1, reason="connection refused")  # one of three: the monitor is up

    rollup = Rollup.objects.get(monitor=monitor)
    assert (rollup.count, rollup.up_count) == (3, 3)


def test_a_monitor_with_one_location_is_written_as_before_without_a_query_more():
    single, other = factories.monitor(), triple(2)
    batch = store.Batch(location="local", several=frozenset({other.pk}))
    batch.observations.append(store.Observation(single.pk, at(0), "down", None, "connection refused"))
    batch.transitions.append(store.Transition(single.pk, at(0), "unknown", "down", "connection refused"))

    with CaptureQueriesContext(connection) as queries:
        assert store.write(batch) == []
    with CaptureQueriesContext(connection) as plain:
        store.write(store.Batch(observations=batch.observations, transitions=batch.transitions))

    assert len(queries.captured_queries) == len(plain.captured_queries)
    assert state(single) == ("down", "connection refused")
    assert not LocationState.objects.exists()


def test_a_reason_from_several_locations_reads_in_italian_and_spanish():
    from custode.checks.reasons import say

    reason = "down from frankfurt: connection refused; down from madrid: timed out after 10s"
    assert say(reason, "it") == ("non disponibile visto da frankfurt: connessione rifiutata; "
                                 "non disponibile visto da madrid: nessuna risposta entro 10s")
    assert say("down from b, c: connection refused", "es") == "caído visto desde b, c: conexión rechazada"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
def test_two_locations_storing_the_same_monitors_at_once_wait_in_line_and_move_each_once():
    """Each location's batches hold the monitors in an opposite order: locked in id order, neither waits on the
    other's lock while holding one it needs, and each verdict is taken with the other location's latest row."""
    import threading

    from django.db import connections

    monitors = [triple(2).pk for _ in range(40)]  # down only when both say so
    for name in ("milan", "madrid"):  # both have seen them up: every verdict below is taken with both counted
        seed = store.Batch(location=name, several=frozenset(monitors))
        for i in monitors:
            seed.observations.append(store.Observation(i, at(-1), "up", 5.0, ""))
            seed.transitions.append(store.Transition(i, at(-1), "unknown", "up", ""))
        store.write(seed)
    failures: list[BaseException] = []

    def location(name: str, order: list[int]) -> None:
        try:
            for n in range(15):
                batch = store.Batch(location=name, several=frozenset(order))
                for i in order:
                    batch.observations.append(store.Observation(i, at(n), "down", 5.0, "connection refused"))
                    if n == 0:
                        batch.transitions.append(store.Transition(i, at(n), "up", "down", "connection refused"))
                store.write(batch)
        except BaseException as e:  # noqa: BLE001 -- shown by the test
            failures.append(e)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=location, args=("milan", monitors)),
               threading.Thread(target=location, args=("madrid", monitors[::-1]))]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)

    assert not failures, failures
    assert set(Monitor.objects.filter(pk__in=monitors).values_list("state", flat=True)) == {"down"}
    assert StateChange.objects.filter(monitor__in=monitors, to_state="down").count() == len(monitors)
    assert sum(Rollup.objects.filter(monitor__in=monitors).values_list("count", flat=True)) == 2 * 16 * 40


def test_the_verdict_believes_paused_and_maintenance_from_any_location_and_ignores_locations_not_named():
    from custode.engine.quorum import Seen, Subject, verdict

    subject = Subject(1, "up", ("milan", "madrid"), 1, INTERVAL, 10.0)
    down = Seen("down", "connection refused", at(0), at(0))
    assert verdict(subject, {"madrid": Seen("maintenance", "", at(0), at(0)), "milan": down}, speaking="milan",
                   at=at(0)).state == "maintenance"
    assert verdict(subject, {"paris": down}, speaking="milan", at=at(0)) is None  # a location since removed
    found = verdict(subject, {"milan": Seen("error", "MYSQL_PASSWORD is not set", None, at(0))}, speaking="milan",
                    at=at(0))
    assert (found.state, found.reason) == ("error", "MYSQL_PASSWORD is not set")


def moved(monitor: Monitor, location: str, old: str, new: str, seconds: float, reason: str = "") -> None:
    """LOCATION's engine moves its state of MONITOR from OLD to NEW at T0 + SECONDS without checking it (paused
    or resumed at a reload)."""
    batch = store.Batch(location=location, several=frozenset({monitor.pk}))
    batch.transitions.append(store.Transition(monitor.pk, at(seconds), old, new, reason))
    store.write(batch)


def test_a_monitor_resumed_is_unknown_once_no_location_holds_it_paused_and_up_after_its_first_check():
    monitor = triple(2)
    locations = ("milan", "frankfurt", "madrid")
    for location in locations:
        seen(monitor, location, "up")
    for location in locations:
        moved(monitor, location, "up", "paused", 10, "paused")
    assert state(monitor)[0] == "paused"

    moved(monitor, "milan", "paused", "unknown", 20, "resumed")
    assert state(monitor)[0] == "paused", "frankfurt and madrid have not loaded it unpaused yet"
    moved(monitor, "frankfurt", "paused", "unknown", 21, "resumed")
    moved(monitor, "madrid", "paused", "unknown", 22, "resumed")
    assert state(monitor)[0] == "unknown"
    seen(monitor, "milan", "up", 40)
    assert state(monitor)[0] == "up"
    assert changes(monitor) == [("unknown", "up", ""), ("up", "paused", "paused"), ("paused", "unknown", "resumed"),
                                ("unknown", "up", "")]


def test_a_monitor_paused_long_ago_is_unknown_as_soon_as_one_location_resumes_it():
    monitor = triple(2)
    for location in ("milan", "frankfurt", "madrid"):
        seen(monitor, location, "up")
        moved(monitor, location, "up", "paused", 10, "paused")

    moved(monitor, "milan", "paused", "unknown", 7 * 24 * 3600, "resumed")  # the others' rows are long stale
    assert state(monitor)[0] == "unknown"


def test_too_few_locations_speaking_for_the_quorum_and_none_seeing_it_up_leave_it_unknown_counting_no_uptime():
    """Milan and Frankfurt fell silent; Madrid alone sees it down: not DOWN (a quorum of 2 is not there to agree)
    and not UP (no location sees it up). Madrid's checks count in no uptime while nothing is confirmed."""
    monitor = triple(2)
    for location in ("milan", "frankfurt", "madrid"):
        seen(monitor, location, "up")
    stale = 3 * INTERVAL + 10 + 1
    seen(monitor, "madrid", "down", stale, old="up", reason="connection refused")

    assert state(monitor) == ("unknown", "connection refused")
    assert changes(monitor)[-1] == ("up", "unknown", "down from madrid: connection refused")
    rollup = Rollup.objects.get(monitor=monitor)
    assert (rollup.count, rollup.up_count) == (3, 3), "the three ups of the start; madrid's down counts neither way"
    seen(monitor, "milan", "up", stale + 5)  # milan speaks again
    assert state(monitor)[0] == "up"
