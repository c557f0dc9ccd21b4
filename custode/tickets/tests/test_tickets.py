"""Tickets and their SLA clock, through the services: the plan's promise by asset kind, counted in support
hours, paused while waiting on the customer, recomputed when the plan changes."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.directory.models import Plan
from custode.lib.changes import Invalid
from custode.tickets import services
from custode.tickets.models import Event, Reply, Status, Ticket
from custode.tickets.sla import State
from custode.testing import factories

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
MONDAY_10 = dt.datetime.fromisoformat("2026-12-07T10:00+01:00")  # Tuesday 8 December is a holiday in Italy


@pytest.fixture
def world():
    factories.provider(timezone="Europe/Rome")
    office = factories.plan("office", support_hours="mon-fri 09:00-18:00", holidays="IT",
                            first_response={"server": 3600, "default": 7200},
                            resolution={"server": 4 * 3600, "default": 10 * 3600})
    acme = factories.customer("acme", name="Acme", plan=office)
    other = factories.customer("other", name="Other")
    return {
        "acme": acme, "other": other, "plan": office,
        "server": factories.asset("acme-srv", customer=acme, kind="server"),
        "maria": factories.contact(acme, name="Maria"),
        "foreign": factories.asset("other-site", customer=other),
        "tech": factories.staff("anna").staff,
    }


def open_ticket(world, now=MONDAY_10, **fields) -> Ticket:
    fields.setdefault("customer", "acme")
    fields.setdefault("subject", "The server is slow")
    fields.setdefault("body", "Since this morning.")
    return services.ticket_open(now=now, **fields)


def test_a_new_ticket_gets_the_next_number_and_due_times_by_its_assets_kind(world):
    general = open_ticket(world)
    server = open_ticket(world, asset="acme-srv", contact=world["maria"].pk)
    assert (general.number, server.number) == (1001, 1002)
    assert general.first_response_due == MONDAY_10 + 2 * H and server.first_response_due == MONDAY_10 + H
    assert server.resolution_due == MONDAY_10 + 4 * H
    assert general.resolution_due == dt.datetime.fromisoformat("2026-12-09T11:00+01:00")  # 10h: Mon, holiday, Wed
    assert general.next_due == general.first_response_due
    assert Reply.objects.get(ticket=server).contact == world["maria"]
    assert list(server.events.values_list("kind", flat=True)) == ["opened"]


def test_a_public_staff_reply_is_the_first_response_and_an_internal_note_is_not(world):
    ticket = open_ticket(world, asset="acme-srv")
    services.ticket_reply(ticket=ticket, body="Looking into it.", public=False, staff=world["tech"],
                          now=MONDAY_10 + 0.25 * H)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    services.ticket_reply(ticket=ticket, body="We restarted the service.", staff=world["tech"],
                          now=MONDAY_10 + 0.5 * H)
    ticket.refresh_from_db()
    assert ticket.first_response_at == MONDAY_10 + 0.5 * H
    assert ticket.next_due == ticket.resolution_due
    assert services.sla_of(ticket, now=MONDAY_10 + 0.6 * H).state == State.RUNNING


def test_waiting_on_the_customer_stops_the_clock_and_their_reply_restarts_it(world):
    ticket = open_ticket(world, asset="acme-srv")
    services.ticket_reply(ticket=ticket, body="Which users?", staff=world["tech"], now=MONDAY_10 + 0.5 * H)
    services.ticket_set_status(ticket=ticket, status="waiting", staff=world["tech"], now=MONDAY_10 + H)
    ticket.refresh_from_db()
    assert ticket.resolution_due is None and ticket.next_due is None
    assert services.sla_of(ticket, now=MONDAY_10 + 5 * H).state == State.PAUSED
    services.ticket_reply(ticket=ticket, body="All of them.", contact=world["maria"], now=MONDAY_10 + 3 * H)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.resolution_due == MONDAY_10 + 6 * H  # 4h of support time, 2h of them paused
    assert services.sla_of(ticket, now=MONDAY_10 + 3 * H).state == State.RUNNING  # 1h of 4h used
    sla = services.sla_of(ticket, now=MONDAY_10 + 5 * H)
    assert sla.paused_seconds == 2 * 3600 and sla.state == State.WARNING  # 3h of 4h used: 75 %
    assert list(ticket.events.filter(kind__in=["paused", "resumed"]).values_list("kind", flat=True)) == [
        "paused", "resumed"]


def test_a_ticket_resolved_after_its_due_time_stays_breached_and_one_on_time_is_met(world):
    late, early = open_ticket(world, asset="acme-srv"), open_ticket(world, asset="acme-srv")
    for ticket in (late, early):
        services.ticket_reply(ticket=ticket, body="On it.", staff=world["tech"], now=MONDAY_10 + 0.5 * H)
    services.ticket_set_status(ticket=late, status="resolved", now=MONDAY_10 + 5 * H)
    services.ticket_set_status(ticket=early, status="resolved", now=MONDAY_10 + 2 * H)
    for ticket in (late, early):
        ticket.refresh_from_db()
    assert services.sla_of(late, now=MONDAY_10 + 9 * H).state == State.BREACHED
    assert services.sla_of(early, now=MONDAY_10 + 9 * H).state == State.MET


def test_changing_the_plan_recomputes_the_due_times_of_open_tickets_only(world):
    ticket = open_ticket(world, asset="acme-srv")
    closed = open_ticket(world, asset="acme-srv")
    services.ticket_set_status(ticket=closed, status="closed", now=MONDAY_10 + H)
    Plan.objects.filter(pk=world["plan"].pk).update(first_response={"server": 2 * 3600, "default": 7200})
    assert services.sla_refresh_stale() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_due == MONDAY_10 + 2 * H
    assert services.sla_refresh_stale() == 0


def test_a_customer_without_a_plan_has_tickets_without_a_clock(world):
    ticket = open_ticket(world, customer="other")
    assert ticket.next_due is None and services.sla_of(ticket) is None


@pytest.mark.parametrize(("fields", "field"), [
    ({"customer": "nobody"}, "customer"),
    ({"asset": "other-site"}, "asset"),
    ({"asset": "no-such-asset"}, "asset"),
    ({"subject": "  "}, "subject"),
    ({"body": ""}, "body"),
    ({"priority": "asap"}, "priority"),
    ({"channel": "fax"}, "channel"),
    ({"opened_at": MONDAY_10 + H}, "opened_at"),
])
def test_a_ticket_that_cannot_be_opened_names_the_field_and_writes_nothing(world, fields, field):
    with pytest.raises(Invalid) as caught:
        open_ticket(world, **fields)
    assert caught.value.field == field
    assert not Ticket.objects.exists() and not Event.objects.exists()


def test_another_customers_contact_is_refused(world):
    stranger = factories.contact(world["other"], name="Luis")
    with pytest.raises(Invalid) as caught:
        open_ticket(world, contact=stranger.pk)
    assert caught.value.field == "contact"


def test_an_imported_ticket_keeps_its_opening_time_and_its_clock_from_then(world):
    ticket = open_ticket(world, asset="acme-srv", opened_at=MONDAY_10 - 24 * H, channel="email")
    assert ticket.opened_at == MONDAY_10 - 24 * H
    assert ticket.first_response_due == dt.datetime.fromisoformat("2026-12-07T10:00+01:00")  # opened on Sunday


def test_a_closed_ticket_takes_no_reply_and_cannot_be_reopened(world):
    ticket = open_ticket(world)
    services.ticket_set_status(ticket=ticket, status="closed", now=MONDAY_10 + H)
    with pytest.raises(Invalid):
        services.ticket_reply(ticket=ticket, body="One more thing", contact=world["maria"], now=MONDAY_10 + 2 * H)
    with pytest.raises(Invalid) as caught:
        services.ticket_set_status(ticket=ticket, status="open")
    assert caught.value.field == "status"


@pytest.mark.parametrize("minutes", [0, -5, 24 * 60 + 1, 1.5, True])
def test_time_that_cannot_be_meant_is_refused(world, minutes):
    ticket = open_ticket(world)
    with pytest.raises(Invalid) as caught:
        services.ticket_log_time(ticket=ticket, minutes=minutes)
    assert caught.value.field == "minutes"


def test_a_status_the_ticket_cannot_take_leaves_its_assignee_as_it_was(world):
    ticket = open_ticket(world)
    services.ticket_set_status(ticket=ticket, status="closed", now=MONDAY_10 + H)
    with pytest.raises(Invalid):
        services.ticket_change(ticket=ticket, status="open", assignee=world["tech"])
    ticket.refresh_from_db()
    assert ticket.assignee is None and ticket.status == "closed"
