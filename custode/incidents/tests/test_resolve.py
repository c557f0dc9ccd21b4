"""Incidents resolve by themselves once every monitor stayed up for the stable period, or by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import services
from custode.incidents.models import Incident, Status
from custode.incidents.tests.world import T0, build, run
from custode.lib.changes import Invalid
from custode.monitors.models import State
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


@pytest.fixture
def stable(monkeypatch):
    monkeypatch.setenv("CUSTODE_INCIDENT_STABLE", "30s")
    return 30 * S


def flip(monitors, state, at):
    for monitor in monitors:
        factories.state_change(monitor, state, at=at)


def outage(world, *, until=None):
    flip([world.server_monitor, *world.site_monitors], State.DOWN, T0)
    run(T0 + S)
    if until:
        flip([world.server_monitor, *world.site_monitors], State.UP, until)
    return Incident.objects.get(root_asset=world.server)


def test_an_incident_resolves_after_the_stable_period_with_each_customers_duration(stable):
    world = build()
    back = T0 + 600 * S
    incident = outage(world, until=back)
    run(back + stable - S)
    incident.refresh_from_db()
    assert incident.status != Status.RESOLVED and incident.stable_since == back
    run(back + stable)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == back
    assert [a.duration_seconds for a in incident.affected.all()] == [600.0] * 12
    assert Message.objects.filter(audience="customer", topic=f"incident:{incident.pk}").count() == 24
    assert incident.updates.filter(status=Status.RESOLVED, public=True, author=None).count() == 1


def test_a_customer_added_later_has_a_shorter_outage(stable):
    world = build()
    incident = outage(world)
    services.incident_join(incident=incident, customers=[world.outsider], at=T0 + 300 * S)
    services.incident_resolve(incident=incident, author=world.on_call, message="Disco sostituito.", at=T0 + 900 * S)
    durations = {a.customer_id: a.duration_seconds for a in incident.affected.all()}
    assert durations[world.outsider.pk] == 600.0
    assert durations[world.customers[0].pk] == 900.0


def test_a_monitor_failing_again_during_the_stable_period_keeps_the_incident_open(stable):
    world = build()
    back = T0 + 600 * S
    incident = outage(world, until=back)
    flip([world.site_monitors[3]], State.DOWN, back + 10 * S)
    run(back + 11 * S)
    run(back + stable + 20 * S)
    incident.refresh_from_db()
    assert incident.status == Status.INVESTIGATING and incident.stable_since is None
    flip([world.site_monitors[3]], State.UP, back + 100 * S)
    run(back + 100 * S + stable)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == back + 100 * S


def test_an_incident_stays_open_while_one_monitor_is_down(stable):
    world = build()
    flip([world.server_monitor, *world.site_monitors], State.DOWN, T0)
    run(T0 + S)
    flip([world.server_monitor, *world.site_monitors[1:]], State.UP, T0 + 60 * S)
    run(T0 + 3600 * S)
    assert Incident.objects.get().status == Status.INVESTIGATING


def test_a_held_incident_that_recovers_is_resolved_without_telling_anyone(stable):
    world = build()
    flip([world.site_monitors[0]], State.DOWN, T0)
    run(T0 + S)
    flip([world.site_monitors[0]], State.UP, T0 + 40 * S)
    run(T0 + 40 * S + stable)
    incident = Incident.objects.get()
    assert incident.status == Status.RESOLVED and incident.confirmed_at is None
    run(T0 + 3600 * S)
    assert not Message.objects.exists()


def test_a_resolved_incident_cannot_be_resolved_or_updated_again():
    world = build()
    incident = outage(world)
    services.incident_resolve(incident=incident, at=T0 + 60 * S)
    with pytest.raises(Invalid, match="incident: incident .* is resolved"):
        services.incident_resolve(incident=incident)
    with pytest.raises(Invalid, match="is resolved"):
        services.incident_post_update(incident=incident, author=world.on_call, status="monitoring",
                                      template="monitoring")


def test_a_bad_stable_period_is_refused(monkeypatch):
    from custode.incidents.processor import settings_from_env
    from custode.lib.env import SettingError

    monkeypatch.setenv("CUSTODE_INCIDENT_STABLE", "two minutes")
    with pytest.raises(SettingError, match="CUSTODE_INCIDENT_STABLE='two minutes': must be a duration"):
        settings_from_env()
