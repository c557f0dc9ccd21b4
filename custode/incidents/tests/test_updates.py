"""What people do with an incident: post updates, reassign, merge; and the owner's reminders."""

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


def outage(world, monitors=None, at=T0):
    for monitor in monitors or [world.server_monitor]:
        factories.state_change(monitor, State.DOWN, at=at)
    run(at + S)
    return Incident.objects.filter(status=Status.INVESTIGATING).latest("id")


def test_a_public_update_reaches_staff_and_every_affected_customer():
    world = build()
    incident = outage(world)
    update = services.incident_post_update(incident=incident, author=world.on_call, status="identified",
                                           template="identified", message="Alimentatore guasto.", at=T0 + 600 * S)
    incident.refresh_from_db()
    assert incident.status == Status.IDENTIFIED and incident.last_public_update_at == T0 + 600 * S
    assert update.author_name == "Anna" and update.language == "it"
    about = Message.objects.filter(key__contains=f":update:{update.pk}:")
    assert about.filter(audience="customer").count() == 12
    assert about.filter(audience="staff").count() == 2


def test_an_internal_update_reaches_staff_only():
    world = build()
    incident = outage(world)
    update = services.incident_post_update(incident=incident, author=world.on_call, status="investigating",
                                           public=False, message="Controllo il RAID.", at=T0 + 60 * S)
    incident.refresh_from_db()
    assert incident.last_public_update_at is None
    about = Message.objects.filter(key__contains=f":update:{update.pk}:")
    assert about.count() == 2 and not about.filter(audience="customer").exists()


@pytest.mark.parametrize("fields, field", [
    (dict(status="fixed", template="identified"), "status"),
    (dict(status="identified", template="sorry"), "template"),
    (dict(status="identified", message="ok", language="de"), "language"),
    (dict(status="identified", message="  "), "message"),
])
def test_a_bad_update_is_refused_naming_the_field(fields, field):
    world = build(sites=2, customers=1)
    incident = outage(world)
    with pytest.raises(Invalid) as refused:
        services.incident_post_update(incident=incident, author=world.on_call, **fields)
    assert refused.value.field == field
    assert not incident.updates.exists()


def test_a_public_update_on_a_held_incident_tells_of_the_opening_first():
    world = build()
    incident = outage(world, [world.site_monitors[0]])
    assert incident.confirmed_at is None
    services.incident_post_update(incident=incident, author=world.on_call, status="identified",
                                  template="identified", at=T0 + 30 * S)
    incident.refresh_from_db()
    assert incident.confirmed_at == T0 + 30 * S
    assert Message.objects.filter(audience="customer", key__contains=":opened:").count() == 1


def test_an_update_with_status_resolved_resolves_the_incident():
    world = build(sites=2, customers=1)
    incident = outage(world)
    services.incident_post_update(incident=incident, author=world.on_call, status="resolved",
                                  template="resolved", at=T0 + 60 * S)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == T0 + 60 * S
    assert Message.objects.filter(audience="customer", key__contains=":resolved:").count() == 1


def test_reassigning_changes_the_owner():
    world = build(sites=2, customers=1)
    incident = outage(world)
    services.incident_reassign(incident=incident, owner=world.staff[1])
    incident.refresh_from_db()
    assert incident.owner == world.staff[1]


def test_the_owner_is_reminded_once_per_quiet_update_every():
    world = build()
    incident = outage(world)
    reminders = Message.objects.filter(key__contains=":reminder:")
    run(T0 + 1799 * S)
    assert not reminders.exists()
    run(T0 + 1800 * S)
    run(T0 + 1801 * S)
    incident.refresh_from_db()
    assert incident.reminded_at == T0 + 1800 * S
    assert reminders.count() == 1
    assert reminders.get().recipient == "anna@example.com"
    services.incident_post_update(incident=incident, author=world.on_call, status="identified",
                                  template="identified", at=T0 + 2000 * S)
    run(T0 + 3799 * S)
    assert reminders.count() == 1
    run(T0 + 3800 * S)
    assert reminders.count() == 2


def test_merging_by_hand_moves_customers_without_telling_them_again():
    world = build(sites=4, customers=2)
    site_incident = outage(world, [world.outsider_monitor])
    server_incident = outage(world, [world.server_monitor], at=T0 + 10 * S)
    told = Message.objects.filter(audience="customer").count()
    services.incident_merge(child=site_incident, parent=server_incident, at=T0 + 60 * S)
    site_incident.refresh_from_db()
    assert site_incident.merged_into == server_incident and site_incident.status == Status.RESOLVED
    moved = server_incident.affected.get(customer=world.outsider)
    assert moved.notified_at == T0 and moved.started_at == T0
    assert server_incident.monitors.count() == 2
    assert Message.objects.filter(audience="customer").count() == told
    assert not Message.objects.filter(key__contains=":resolved:").exists()
    with pytest.raises(Invalid, match="is resolved"):
        services.incident_merge(child=site_incident, parent=server_incident)
    with pytest.raises(Invalid, match="into itself"):
        services.incident_merge(child=server_incident, parent=server_incident)


@pytest.mark.parametrize("late", ["update", "resolve"])
def test_an_update_from_a_copy_read_before_the_auto_resolve_is_refused_and_the_incident_stays_resolved(late):
    world = build()
    incident = outage(world)
    stale = Incident.objects.get(pk=incident.pk)  # the technician's page, read while it was open
    services.incident_resolve(incident=incident, at=T0 + 900 * S)  # the processor resolves it meanwhile
    with pytest.raises(Invalid):
        if late == "update":
            services.incident_post_update(incident=stale, author=world.on_call, status="monitoring",
                                          template="monitoring", at=T0 + 901 * S)
        else:
            services.incident_resolve(incident=stale, author=world.on_call, at=T0 + 901 * S)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED and incident.resolved_at == T0 + 900 * S
    assert incident.updates.count() == 1
