"""State changes written as sets: each stored once, in the order they happened, refused when the state moved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from custode.engine import store
from custode.monitors.models import Monitor
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 9, 58, 30, tzinfo=dt.timezone.utc)


def change(monitor_id: int, seconds: float, old: str, new: str, reason: str = "") -> store.Transition:
    return store.Transition(monitor_id, T0 + dt.timedelta(seconds=seconds), old, new, reason)


def stored() -> list[tuple[int, str, str, dt.datetime]]:
    return list(StateChange.objects.order_by("id").values_list("monitor_id", "from_state", "to_state", "at"))


def many_monitors(count: int) -> list[int]:
    asset = factories.asset()
    Monitor.objects.bulk_create([Monitor(key=f"site-{i}", asset=asset, type="http", interval=60,
                                         spec={"url": "http://x/"})
                                 for i in range(count)])
    return list(Monitor.objects.order_by("id").values_list("id", flat=True))


def test_a_thousand_monitors_changing_at_once_are_written_in_one_batch_each_once():
    ids = many_monitors(1000)[::-1]  # found in an order that is not the monitors' ids
    batch = store.Batch(transitions=[change(i, n / 1000, "unknown", "up") for n, i in enumerate(ids)])

    with CaptureQueriesContext(connection) as queries:
        assert store.write(batch) == []

    statements = [q["sql"].split()[0] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["UPDATE", "INSERT"]  # one statement per set, not two per monitor
    assert [row[0] for row in stored()] == ids
    assert set(Monitor.objects.values_list("state", flat=True)) == {"up"}
    assert store.write(batch) == batch.transitions  # written again, as after a restart: nothing new
    assert StateChange.objects.count() == 1000


def test_a_monitors_changes_within_one_batch_are_stored_in_the_order_they_happened():
    site, server = factories.monitor(), factories.monitor()
    batch = store.Batch(transitions=[
        change(site.pk, 0, "unknown", "up"), change(server.pk, 0.1, "unknown", "down", "connection refused"),
        change(site.pk, 0.2, "up", "down", "status 503, expected 200"), change(site.pk, 0.7, "down", "up"),
    ])

    assert store.write(batch) == []

    assert stored() == [(t.monitor_id, t.old, t.new, t.at) for t in batch.transitions]
    site.refresh_from_db()
    assert (site.state, site.state_since) == ("up", T0 + dt.timedelta(seconds=0.7))
    assert StateChange.objects.get(to_state="down", monitor=server).reason == "connection refused"


def test_a_change_refused_because_the_state_moved_meanwhile_is_returned_and_not_stored():
    site, other = factories.monitor(state="down"), factories.monitor()
    refused = change(site.pk, 0, "unknown", "up")
    batch = store.Batch(transitions=[refused, change(other.pk, 1, "unknown", "up")])

    assert store.write(batch) == [refused]

    assert stored() == [(other.pk, "unknown", "up", T0 + dt.timedelta(seconds=1))]
    assert Monitor.objects.get(pk=site.pk).state == "down"


def test_a_later_change_in_a_batch_applies_if_it_starts_from_the_state_the_database_holds():
    """As if applied one by one: another engine already moved the monitor up, so only up -> down applies."""
    site = factories.monitor(state="up")
    first, second = change(site.pk, 0, "unknown", "up"), change(site.pk, 1, "up", "down")

    assert store.write(store.Batch(transitions=[first, second])) == [first]

    assert stored() == [(site.pk, "up", "down", second.at)]
    assert Monitor.objects.get(pk=site.pk).state == "down"


def test_a_restart_does_not_store_a_change_twice():
    """The batch was committed but the engine died before it knew: on restart it is written again."""
    site, server = factories.monitor(), factories.monitor()
    batch = store.Batch(transitions=[change(site.pk, 0, "unknown", "up"), change(server.pk, 0, "unknown", "up"),
                                     change(site.pk, 5, "up", "down")])
    store.write(batch)

    assert store.write(batch) == batch.transitions

    assert len(stored()) == 3
    assert dict(Monitor.objects.values_list("id", "state")) == {site.pk: "down", server.pk: "up"}


def seen(monitor_id: int, seconds: float, status: str, latency_ms: float | None, reason: str = "") -> store.Observation:
    return store.Observation(monitor_id, T0 + dt.timedelta(seconds=seconds), status, latency_ms, reason)


def latest_of(monitor_id: int) -> tuple:
    return Monitor.objects.filter(pk=monitor_id).values_list("state", "last_check_at", "last_latency_ms",
                                                             "last_reason").get()


def test_a_monitor_moved_has_its_state_and_latest_result_written_by_one_update():
    ids = many_monitors(50)
    batch = store.Batch(observations=[seen(i, 1, "down", None, "connection refused") for i in ids],
                        transitions=[change(i, 1, "unknown", "down", "connection refused") for i in ids])

    with CaptureQueriesContext(connection) as queries:
        assert store.write(batch) == []

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("UPDATE")]
    assert len(updates) == 1  # not one for the latest result and another for the state
    assert {latest_of(i) for i in ids} == {("down", T0 + dt.timedelta(seconds=1), None, "connection refused")}


def test_a_monitor_whose_change_is_refused_still_gets_its_latest_result():
    moved_meanwhile, quiet, moving = factories.monitor(state="down"), factories.monitor(state="up"), factories.monitor()
    batch = store.Batch(observations=[seen(moved_meanwhile.pk, 2, "up", 12.5), seen(quiet.pk, 2, "up", 3.0),
                                      seen(moving.pk, 1, "down", None, "timeout"), seen(moving.pk, 2, "up", 7.0)],
                        transitions=[change(moved_meanwhile.pk, 2, "unknown", "up"),
                                     change(moving.pk, 1, "unknown", "down", "timeout"), change(moving.pk, 2, "down", "up")])

    assert store.write(batch) == [batch.transitions[0]]

    at = T0 + dt.timedelta(seconds=2)
    assert latest_of(moved_meanwhile.pk) == ("down", at, 12.5, "")
    assert latest_of(quiet.pk) == ("up", at, 3.0, "")
    assert latest_of(moving.pk) == ("up", at, 7.0, "")  # its newest result, though it moved twice
