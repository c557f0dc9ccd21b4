"""State changes become one incident per root cause, whichever order the failures arrive in."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents.models import Incident, Severity, Status
from custode.incidents.tests.world import T0, build, run
from custode.monitors.models import Monitor, State
from custode.notify.models import Message
from custode.results.models import StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def down(monitors, at):
    for i, monitor in enumerate(monitors):
        factories.state_change(monitor, State.DOWN, at=at + i * dt.timedelta(milliseconds=10))


def customer_messages(**filters):
    return Message.objects.filter(audience="customer", **filters)


def test_a_server_down_with_its_forty_sites_opens_one_incident_for_twelve_customers():
    world = build()
    down([world.server_monitor, *world.site_monitors], T0)
    run(T0 + 2 * S)
    incident = Incident.objects.get()
    assert incident.status == Status.INVESTIGATING
    assert incident.root_asset == world.server
    assert incident.severity == Severity.CRITICAL
    assert incident.owner == world.on_call
    assert incident.title == "srv-1.retesicura.example unreachable"
    assert incident.monitors.count() == 41
    assert set(incident.assets.all()) == {world.server, *world.sites}
    assert sorted(a.customer_id for a in incident.affected.all()) == sorted(c.pk for c in world.customers)
    assert all(a.notified_at == T0 and a.started_at == T0 for a in incident.affected.all())
    assert not StateChange.objects.filter(processed_at=None).exists()


def test_each_customer_contact_is_told_once_and_staff_once_per_channel():
    world = build()
    down([world.server_monitor, *world.site_monitors], T0)
    run(T0 + 2 * S)
    told = customer_messages()
    assert told.count() == 12
    assert sorted(told.values_list("customer_id", flat=True)) == sorted(c.pk for c in world.customers)
    assert sorted(told.values_list("language", flat=True)) == sorted(["it", "en", "es"] * 4)
    assert Message.objects.filter(audience="staff").count() == 2  # anna and bruno, one e-mail each


def test_sites_failing_before_their_server_are_merged_into_its_incident_and_told_once():
    world = build()
    early = world.site_monitors[:5]
    down(early, T0)
    run(T0 + S)
    held = Incident.objects.filter(status=Status.INVESTIGATING)
    assert held.count() == 5
    assert all(i.confirmed_at is None and i.held_until is not None for i in held)
    assert not Message.objects.exists(), "nobody is told while the site's server may still be the cause"

    down([world.server_monitor, *world.site_monitors[5:]], T0 + 20 * S)
    run(T0 + 21 * S)
    incident = Incident.objects.get(status=Status.INVESTIGATING)
    assert incident.root_asset == world.server
    assert incident.monitors.count() == 41
    merged = Incident.objects.filter(merged_into=incident)
    assert merged.count() == 5 and all(m.status == Status.RESOLVED for m in merged)
    assert all(not m.affected.exists() and not m.monitors.exists() for m in merged)
    assert incident.affected.count() == 12
    assert customer_messages().count() == 12
    assert not customer_messages(topic__in=[f"incident:{m.pk}" for m in merged]).exists()
    first = incident.affected.get(customer=world.sites[0].customer)
    assert first.started_at == T0, "a customer's outage starts when their first site failed"


def test_a_held_incident_is_told_about_when_its_server_stays_up():
    world = build()
    site = world.site_monitors[0]
    down([site], T0)
    run(T0 + S)
    incident = Incident.objects.get()
    assert incident.held_until == T0 + dt.timedelta(seconds=2 * 60 + 10)
    run(incident.held_until - S)
    assert not Message.objects.exists()
    run(incident.held_until)
    incident.refresh_from_db()
    assert incident.confirmed_at == incident.held_until
    assert incident.root_asset == world.sites[0] and incident.severity == Severity.MAJOR
    assert list(customer_messages().values_list("customer_id", flat=True)) == [world.sites[0].customer_id]


def test_a_site_down_while_its_server_was_just_checked_fine_is_told_at_once():
    world = build()
    site = world.site_monitors[0]
    Monitor.objects.filter(pk=world.server_monitor.pk).update(state=State.UP, last_check_at=T0 - 2 * S, last_reason="")
    down([site], T0)  # the engine checked the server while the site's failure was being confirmed
    run(T0 + S)
    incident = Incident.objects.get()
    assert incident.held_until is None and incident.confirmed_at is not None
    assert list(customer_messages().values_list("customer_id", flat=True)) == [world.sites[0].customer_id]


def test_a_site_down_is_held_when_its_server_was_last_checked_before_the_failure_began():
    world = build()
    Monitor.objects.filter(pk=world.server_monitor.pk).update(state=State.UP, last_check_at=T0 - 60 * S, last_reason="")
    down([world.site_monitors[0]], T0)
    run(T0 + S)
    assert Incident.objects.get().held_until is not None
    assert not Message.objects.exists()


def test_a_site_whose_server_was_checked_fine_just_before_the_site_began_failing_is_held():
    """The server's last check is within the site's confirmation time but came before the site's first failed
    check: it says nothing of the failure, so the site is not told of as its own outage yet."""
    world = build()
    Monitor.objects.filter(pk=world.server_monitor.pk).update(state=State.UP, last_check_at=T0 - 3 * S, last_reason="")
    factories.state_change(world.site_monitors[0], State.DOWN, at=T0, failing_since=T0 - 2 * S)
    run(T0 + S)
    assert Incident.objects.get().held_until is not None
    assert not Message.objects.exists()

    down([world.server_monitor], T0 + 20 * S)
    run(T0 + 21 * S)
    assert Incident.objects.get(status=Status.INVESTIGATING).root_asset == world.server
    assert customer_messages().filter(customer=world.sites[0].customer).count() == 1


def test_a_site_whose_server_was_checked_fine_after_the_site_began_failing_is_told_at_once():
    world = build()
    Monitor.objects.filter(pk=world.server_monitor.pk).update(state=State.UP, last_check_at=T0 - 3 * S, last_reason="")
    factories.state_change(world.site_monitors[0], State.DOWN, at=T0, failing_since=T0 - 8 * S)
    run(T0 + S)
    incident = Incident.objects.get()
    assert incident.held_until is None and incident.confirmed_at is not None


def test_a_server_failing_long_after_a_site_opens_its_own_incident():
    world = build()
    down([world.site_monitors[0]], T0)
    run(T0 + 200 * S)
    down([world.server_monitor], T0 + 300 * S)
    run(T0 + 301 * S)
    assert Incident.objects.filter(status=Status.INVESTIGATING).count() == 2
    assert not Incident.objects.exclude(merged_into=None).exists()


def test_a_site_of_a_down_server_joins_its_incident():
    world = build()
    down([world.server_monitor], T0)
    run(T0 + S)
    down(world.site_monitors[:3], T0 + 30 * S)
    run(T0 + 31 * S)
    incident = Incident.objects.get()
    assert incident.monitors.count() == 4
    assert customer_messages().count() == 12


def test_the_outsider_is_never_affected_by_the_server():
    world = build()
    down([world.outsider_monitor, world.server_monitor, *world.site_monitors], T0)
    run(T0 + S)
    server_incident = Incident.objects.get(root_asset=world.server)
    own = Incident.objects.get(root_asset__customer=world.outsider)
    assert not server_incident.affected.filter(customer=world.outsider).exists()
    assert list(own.affected.values_list("customer_id", flat=True)) == [world.outsider.pk]
    assert not customer_messages(customer=world.outsider, topic=f"incident:{server_incident.pk}").exists()
    assert customer_messages(customer=world.outsider).count() == 1


def test_processing_again_changes_nothing():
    world = build()
    down([world.server_monitor, *world.site_monitors], T0)
    run(T0 + S)
    before = (Incident.objects.count(), Message.objects.count(), list(StateChange.objects.values_list("processed_at")))
    assert run(T0 + 2 * S) == 0
    assert (Incident.objects.count(), Message.objects.count(),
            list(StateChange.objects.values_list("processed_at"))) == before


def test_a_change_already_claimed_is_not_applied_again():
    from custode.incidents.processor import consume_changes

    world = build()
    down([world.server_monitor], T0)
    StateChange.objects.update(processed_at=T0)  # applied by a process that then died after committing
    assert consume_changes(now=T0 + S) is False
    assert not Incident.objects.exists()


def test_a_step_applies_changes_for_its_time_budget_and_leaves_the_rest_for_the_next(monkeypatch):
    from custode.incidents import processor

    world = build()
    down([world.server_monitor, *world.site_monitors[:3]], T0)
    monkeypatch.setattr(processor, "BUDGET", 0.0)  # every claim takes longer than no time at all
    monkeypatch.setattr(processor, "CLAIM", 1)
    for applied in range(1, 5):
        assert processor.consume_changes(now=T0 + S) is True
        assert StateChange.objects.exclude(processed_at=None).count() == applied
    monkeypatch.undo()
    run(T0 + 2 * S)
    assert Incident.objects.filter(merged_into=None).count() == 1


def test_what_a_site_needs_counts_as_down_as_it_was_when_the_site_failed_not_as_it_is_when_that_is_read():
    """Behind a backlog, the server may be up again before its site's failure is read: the site still failed
    with its server, and only what the site needs is looked at, not the outsider that is down too."""
    from custode.incidents import graph as g
    from custode.incidents.processor import down_above

    world = build(sites=2, customers=1)
    factories.state_change(world.server_monitor, State.DOWN, at=T0)
    factories.state_change(world.outsider_monitor, State.DOWN, at=T0)
    factories.state_change(world.server_monitor, State.UP, at=T0 + 30 * S)
    graph, site = g.graph_load(), world.site_monitors[0].asset_id
    assert down_above(graph, site, T0 + 5 * S) == {world.server.pk}
    assert down_above(graph, site, T0 - S) == set()
    assert down_above(graph, site, T0 + 31 * S) == set()


def test_a_maintenance_window_suppresses_the_incident():
    world = build()
    factories.maintenance(world.server, start=T0 - 60 * S, duration=3600)
    down([world.server_monitor, *world.site_monitors], T0)
    run(T0 + S)
    assert not Incident.objects.exists()
    assert not Message.objects.exists()
    assert not StateChange.objects.filter(processed_at=None).exists()


def test_a_failure_after_the_window_ended_opens_an_incident():
    world = build()
    factories.maintenance(world.server, start=T0 - 3600 * S, duration=1800)
    down([world.server_monitor], T0)
    run(T0 + S)
    assert Incident.objects.get().root_asset == world.server


def test_after_a_backlog_a_held_incident_waits_for_the_changes_written_before_its_hold_ended(monkeypatch):
    from custode.incidents import processor

    world = build()
    down([world.site_monitors[0]], T0)
    run(T0 + S)
    down([world.outsider_monitor], T0 + 10 * S)
    down([world.server_monitor], T0 + 20 * S)
    monkeypatch.setattr(processor, "BATCH", 1)  # the notifier was stopped: it now reads one change per step
    processor.step(now=T0 + 500 * S)
    held = Incident.objects.get(root_asset=world.sites[0])
    assert held.confirmed_at is None, "told before the server's DOWN, written earlier, was read"
    run(T0 + 501 * S)
    held.refresh_from_db()
    assert held.merged_into.root_asset == world.server
    assert not Message.objects.filter(topic=f"incident:{held.pk}").exists()
    assert Message.objects.filter(audience="staff", key__contains=":opened:").count() == 2 * 2  # server, outsider


def test_monitors_coming_up_outside_any_incident_are_consumed_in_one_step_and_change_nothing():
    from custode.incidents import processor

    world = build()
    for monitor in [world.server_monitor, *world.site_monitors, world.outsider_monitor]:
        factories.state_change(monitor, State.UP, at=T0)  # first start: unknown -> up

    assert processor.consume_changes(now=T0 + S) is True

    assert not StateChange.objects.filter(processed_at=None).exists()
    assert processor.consume_changes(now=T0 + S) is False
    assert not Incident.objects.exists()
    assert not Message.objects.exists()


def test_a_site_down_and_up_again_within_one_batch_still_opens_and_then_settles_its_incident():
    world = build()
    site = world.site_monitors[0]
    factories.state_change(site, State.DOWN, at=T0)
    factories.state_change(site, State.UP, at=T0 + 30 * S)

    run(T0 + 31 * S)

    incident = Incident.objects.get()
    assert incident.root_asset == world.sites[0]
    assert incident.stable_since is not None
    assert incident.monitors.get() == site


def test_a_monitor_coming_up_that_is_in_an_open_incident_starts_its_stable_period():
    world = build()
    down([world.server_monitor], T0)
    run(T0 + S)
    factories.state_change(world.server_monitor, State.UP, at=T0 + 60 * S)
    factories.state_change(world.outsider_monitor, State.UP, at=T0 + 60 * S)

    run(T0 + 61 * S)

    assert Incident.objects.get().stable_since == T0 + 60 * S
