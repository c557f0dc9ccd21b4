"""After the story's outage (a shared server and forty sites of twelve customers) each customer told of it gets
exactly one ticket about it, already answered and resolved, in their language; nobody else gets one."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import services as incidents
from custode.incidents.models import Incident, Status
from custode.incidents.tests.test_resolve import stable  # noqa: F401  (the fixture: 30 s to resolve)
from custode.incidents.tests.world import T0, build, run
from custode.monitors.models import State
from custode.testing import factories
from custode.tickets import proactive
from custode.tickets.models import Reply, Ticket

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


def outage_and_recovery(world, stable, back=T0 + 600 * S):
    monitors = [world.server_monitor, *world.site_monitors]
    for monitor in monitors:
        factories.state_change(monitor, State.DOWN, at=T0)
    run(T0 + S)
    incident = Incident.objects.get(root_asset=world.server)
    incidents.incident_post_update(incident=incident, author=world.on_call, status="identified",
                                   template="identified", at=T0 + 120 * S)
    for monitor in monitors:
        factories.state_change(monitor, State.UP, at=back)
    run(back + stable)
    incident.refresh_from_db()
    assert incident.status == Status.RESOLVED
    return incident


def test_each_customer_told_of_the_outage_gets_exactly_one_ticket_about_it(stable):
    world = build()
    incident = outage_and_recovery(world, stable)
    assert proactive.step(batch=5) == 5
    assert proactive.step() == 7
    assert proactive.step() == 0
    tickets = Ticket.objects.filter(incident=incident)
    assert sorted(tickets.values_list("customer__key", flat=True)) == sorted(c.key for c in world.customers)
    assert not Ticket.objects.filter(customer=world.outsider).exists()
    ticket = tickets.get(customer=world.customers[0])
    assert (ticket.channel, ticket.status, ticket.assignee) == ("incident", "resolved", world.on_call)
    assert ticket.opened_at == T0 and ticket.resolved_at == T0 + 600 * S
    assert ticket.first_response_at is not None


def test_the_ticket_says_what_happened_for_how_long_and_what_was_done_in_the_customers_language(stable):
    world = build()
    outage_and_recovery(world, stable)
    proactive.step(batch=20)
    italian, english, spanish = (Ticket.objects.get(customer=world.customers[i]) for i in range(3))
    assert italian.subject.endswith("lunedì 2 marzo") and "raggiungibil" in italian.subject
    body = Reply.objects.get(ticket=english).body
    assert "For you it lasted 10 minutes" in body and "What we did:" in body
    assert "Monday 2 March" in english.subject
    assert "Lo que hicimos:" in Reply.objects.get(ticket=spanish).body


def test_a_merged_incident_gives_its_customers_their_ticket_from_the_incident_it_joined(stable):
    world = build(sites=2, customers=2)
    first = incidents.incident_open(root_asset=world.sites[0], at=T0)
    parent = incidents.incident_open(root_asset=world.server, at=T0 + S)
    incidents.incident_merge(child=first, parent=parent, at=T0 + 3 * S)
    incidents.incident_resolve(incident=Incident.objects.get(pk=parent.pk), at=T0 + 60 * S)
    proactive.step()
    assert not Ticket.objects.filter(incident=first).exists()
    assert Ticket.objects.filter(incident=parent).count() == parent.affected.filter(notified_at__isnull=False).count()


def test_an_incident_nobody_was_told_of_gives_no_ticket(stable):
    world = build(sites=2, customers=2)
    held = incidents.incident_open(root_asset=world.sites[0], at=T0, held_until=T0 + 120 * S)
    incidents.incident_resolve(incident=held, at=T0 + 60 * S)
    assert proactive.step() == 0
