"""The engine's writes: raw results, each monitor's latest result, hourly rollups, state changes, pruning."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.engine import store
from custode.monitors.models import Monitor
from custode.results.models import CheckResult, Ping, Rollup, StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 2, 9, 58, 30, tzinfo=dt.timezone.utc)


def observation(monitor: Monitor, seconds: float, status: str = "up", latency: float | None = 10.0,
                reason: str = "") -> store.Observation:
    return store.Observation(monitor.pk, T0 + dt.timedelta(seconds=seconds), status, latency, reason)


def test_rollups_count_each_hour_of_each_monitor_with_latency_bounds():
    site, nas = factories.monitor(), factories.monitor()
    store.write(store.Batch(observations=[
        observation(site, 0, latency=12.0), observation(site, 60, "down", None, "connection refused"),
        observation(site, 120, latency=30.0),  # 10:00:30, the next hour
        observation(nas, 10, latency=5.0), observation(nas, 20, "degraded", 7.0),
    ]))
    store.write(store.Batch(observations=[observation(site, 130, latency=3.0)]))

    rollups = {(r.monitor_id, r.hour): r for r in Rollup.objects.all()}
    nine, ten = T0.replace(minute=0, second=0), T0.replace(hour=10, minute=0, second=0)
    assert set(rollups) == {(site.pk, nine), (site.pk, ten), (nas.pk, nine)}
    early = rollups[(site.pk, nine)]
    assert (early.count, early.up_count, early.latency_sum, early.latency_count) == (2, 1, 12.0, 1)
    late = rollups[(site.pk, ten)]
    assert (late.count, late.up_count, late.latency_min, late.latency_max) == (2, 2, 3.0, 30.0)
    assert (rollups[(nas.pk, nine)].count, rollups[(nas.pk, nine)].up_count) == (2, 2)
    assert CheckResult.objects.count() == 6


def test_each_monitor_keeps_its_newest_result_as_last_check():
    site, other = factories.monitor(), factories.monitor()
    store.write(store.Batch(observations=[
        observation(site, 0, latency=12.0), observation(site, 5, "down", None, "status 503, expected 200"),
    ]))
    site.refresh_from_db()
    other.refresh_from_db()
    assert site.last_check_at == T0 + dt.timedelta(seconds=5)
    assert (site.last_latency_ms, site.last_reason) == (None, "status 503, expected 200")
    assert other.last_check_at is None


def test_raw_results_are_stored_in_the_batchs_order_with_their_exact_time_and_a_bounded_reason():
    site = factories.monitor()
    late, exact = T0 + dt.timedelta(seconds=1, microseconds=250001), T0
    store.write(store.Batch(observations=[
        store.Observation(site.pk, exact, "up", 12.5, ""),
        store.Observation(site.pk, late, "down", None, "é" * 400),
    ]))
    rows = list(CheckResult.objects.order_by("id").values_list("at", "status", "latency_ms", "reason"))
    assert rows == [(exact, "up", 12.5, ""), (late, "down", None, "é" * 300)]
    # Django finds them by the same times it would have written: the text form on SQLite is its own
    assert CheckResult.objects.filter(at=exact).count() == 1
    assert CheckResult.objects.filter(at__gt=exact, at__lte=late).count() == 1


def test_observations_not_kept_count_in_the_rollups_and_the_latest_result_but_are_no_raw_result():
    site = factories.monitor()
    dropped = store.Observation(site.pk, T0 + dt.timedelta(seconds=30), "up", 40.0, "", keep=False)
    store.write(store.Batch(observations=[observation(site, 0, latency=20.0), dropped]))
    assert list(CheckResult.objects.values_list("latency_ms", flat=True)) == [20.0]
    rollup = Rollup.objects.get(monitor=site)
    assert (rollup.count, rollup.up_count, rollup.latency_sum, rollup.latency_max) == (2, 2, 60.0, 40.0)
    site.refresh_from_db()
    assert (site.last_check_at, site.last_latency_ms) == (dropped.at, 40.0)


def test_a_state_change_is_stored_once_even_if_written_twice():
    site = factories.monitor()
    change = store.Transition(site.pk, T0, "unknown", "down", "connection refused")
    assert store.write(store.Batch(transitions=[change])) == []
    assert store.write(store.Batch(transitions=[change])) == [change]
    assert StateChange.objects.filter(monitor=site).count() == 1
    assert Monitor.objects.get(pk=site.pk).state == "down"


def test_pruning_removes_only_results_older_than_the_retention():
    site = factories.monitor()
    store.write(store.Batch(observations=[observation(site, s) for s in range(0, 600, 60)]))
    CheckResult.objects.filter(id=CheckResult.objects.order_by("id")[2].id).delete()  # a gap in the ids

    removed = store.prune_results(T0 + dt.timedelta(seconds=300), chunk=2)

    assert removed == 4
    kept = list(CheckResult.objects.order_by("at").values_list("at", flat=True))
    assert kept[0] == T0 + dt.timedelta(seconds=300) and len(kept) == 5
    assert store.prune_results(T0 + dt.timedelta(seconds=300)) == 0
    assert store.prune_results(T0 - dt.timedelta(days=1)) == 0


def test_pruning_removes_heartbeat_pings_older_than_the_retention_too():
    job = factories.monitor(type="push", spec={"grace": "1m"})
    Ping.objects.bulk_create([Ping(monitor=job, at=T0 + dt.timedelta(seconds=s), kind="success", body=f"run {s}")
                              for s in range(0, 600, 60)])
    assert store.prune_results(T0 + dt.timedelta(seconds=300), chunk=3) == 5
    assert list(Ping.objects.order_by("at").values_list("body", flat=True)) == [
        "run 300", "run 360", "run 420", "run 480", "run 540"]


def test_pruning_an_empty_table_removes_nothing():
    assert store.prune_results(T0) == 0


def test_a_deleted_monitors_results_wait_for_pruning_instead_of_slowing_its_deletion():
    gone, kept = factories.monitor(), factories.monitor()
    store.write(store.Batch(observations=[observation(gone, 0), observation(kept, 1)]))
    Monitor.objects.filter(pk=gone.pk).delete()
    assert CheckResult.objects.count() == 2
    store.write(store.Batch(observations=[observation(kept, 400)]))  # the batch after still writes
    assert store.prune_results(T0 + dt.timedelta(seconds=300)) == 2
    assert list(CheckResult.objects.values_list("monitor_id", flat=True)) == [kept.pk]


def test_a_failure_waits_only_for_the_reachability_checks_of_what_it_depends_on():
    server = factories.asset(kind="server")
    ping = factories.monitor(asset=server, type="ping", spec={"host": "127.0.0.1"})
    factories.monitor(asset=server, type="push", impact="job", spec={"grace": 60})
    factories.monitor(asset=server, impact="degraded")
    site = factories.asset()
    site.depends_on.add(server)
    assert store.upstream_monitors() == {site.pk: (ping.pk,)}


def test_the_fingerprint_moves_when_a_monitor_or_a_dependency_is_added_edited_or_removed():
    site = factories.monitor()
    seen = [store.fingerprint()]
    nas = factories.monitor()
    seen.append(store.fingerprint())
    site.interval = 30
    site.save()
    seen.append(store.fingerprint())
    site.asset.depends_on.add(nas.asset)
    seen.append(store.fingerprint())
    site.asset.depends_on.remove(nas.asset)
    seen.append(store.fingerprint())
    Monitor.objects.filter(pk=site.pk).delete()  # not the newest id, nor the newest version
    seen.append(store.fingerprint())
    assert all(before != after for before, after in zip(seen, seen[1:]))
    assert store.fingerprint() == seen[-1]  # and stays put while nothing changes
