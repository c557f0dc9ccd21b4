"""SLA warnings: at 75 % of a target and at its breach, once each, to the assignee (else the on-call staff
member), through the outbox, in the staff member's language; with a clock the test controls."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.notify.models import Message
from custode.tickets import services
from custode.testing import factories

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)
MONDAY_10 = dt.datetime.fromisoformat("2026-12-07T10:00+01:00")


@pytest.fixture
def world():
    factories.provider(timezone="Europe/Rome")
    plan = factories.plan("office", support_hours="mon-fri 09:00-18:00", holidays="IT",
                          first_response={"server": 3600}, resolution={"server": 4 * 3600})
    acme = factories.customer("acme", name="Acme", plan=plan)
    factories.asset("acme-srv", customer=acme, kind="server", name="srv-acme")
    return {"anna": factories.staff("anna", language="it").staff,
            "oncall": factories.staff("piet", on_call=True, language="en").staff}


def open_ticket(assignee=None):
    ticket = services.ticket_open(customer="acme", subject="Server down", body="x", asset="acme-srv", now=MONDAY_10)
    if assignee:
        services.ticket_assign(ticket=ticket, assignee=assignee, now=MONDAY_10)
    return ticket


def warnings(ticket) -> list[tuple[str, str]]:
    return list(Message.objects.filter(topic=f"ticket:{ticket.pk}").order_by("id").values_list("recipient_name",
                                                                                              "subject"))


def test_the_assignee_is_warned_at_three_quarters_and_at_the_breach_once_each(world):
    ticket = open_ticket(world["anna"])
    assert services.sla_warn(now=MONDAY_10 + 44 * MIN) == 0
    services.sla_warn(now=MONDAY_10 + 45 * MIN)
    services.sla_warn(now=MONDAY_10 + 50 * MIN)
    assert warnings(ticket) == [("Anna", "[#1001] Prima risposta in scadenza: Server down")]
    services.sla_warn(now=MONDAY_10 + 60 * MIN)
    services.sla_warn(now=MONDAY_10 + 61 * MIN)
    assert warnings(ticket)[1:] == [("Anna", "[#1001] Prima risposta in ritardo: Server down")]
    body = Message.objects.filter(topic=f"ticket:{ticket.pk}").order_by("id").last().body
    assert "scadeva lunedì 7 dicembre alle 11:00 (ora Italia)" in body


def test_without_an_assignee_the_on_call_staff_member_is_warned_in_their_language(world):
    ticket = open_ticket()
    services.sla_warn(now=MONDAY_10 + 46 * MIN)
    assert warnings(ticket) == [("Piet", "[#1001] First response due soon: Server down")]
    assert "due Monday 7 December at 11:00 (Italy Time)" in Message.objects.get().body


def test_a_first_response_in_time_ends_its_warnings_and_the_resolution_clock_goes_on(world):
    ticket = open_ticket(world["anna"])
    services.ticket_reply(ticket=ticket, body="On it.", staff=world["anna"], now=MONDAY_10 + 30 * MIN)
    services.sla_warn(now=MONDAY_10 + 2 * 60 * MIN)
    assert warnings(ticket) == []
    services.sla_warn(now=MONDAY_10 + 3 * 60 * MIN)
    assert warnings(ticket) == [("Anna", "[#1001] Risoluzione in scadenza: Server down")]


def test_warnings_missed_while_the_notifier_was_down_are_told_as_one_breach(world):
    ticket = open_ticket(world["anna"])
    services.sla_warn(now=MONDAY_10 + 2 * 60 * MIN)
    assert warnings(ticket) == [("Anna", "[#1001] Prima risposta in ritardo: Server down")]
    ticket.refresh_from_db()
    assert ticket.alarms_sent == ["first_response:warning", "first_response:breached"]


def test_a_ticket_waiting_on_the_customer_warns_nobody(world):
    ticket = open_ticket(world["anna"])
    services.ticket_reply(ticket=ticket, body="Which server?", staff=world["anna"], now=MONDAY_10 + 10 * MIN)
    services.ticket_set_status(ticket=ticket, status="waiting", now=MONDAY_10 + 11 * MIN)
    services.sla_warn(now=MONDAY_10 + 8 * 60 * MIN)
    assert warnings(ticket) == []


@pytest.mark.parametrize(("language", "subject"), [
    ("es", "[#1001] Primera respuesta fuera de plazo: Server down"),
    ("en", "[#1001] First response overdue: Server down"),
])
def test_the_breach_reads_naturally_in_each_language(world, language, subject):
    world["anna"].language = language
    world["anna"].save()
    ticket = open_ticket(world["anna"])
    services.sla_warn(now=MONDAY_10 + 61 * MIN)
    assert warnings(ticket) == [("Anna", subject)]
