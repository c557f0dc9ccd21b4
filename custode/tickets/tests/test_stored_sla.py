"""A ticket's SLA figures stored on its row: written when its clock changes (opened, paused, resumed, answered,
resolved) and when its plan or asset changes under it; read by the queue, the customer's page and the API
without working anything out, yet warning and breached on time; and always what the event log and the plan
say now."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.assets.models import Asset
from custode.directory.models import Plan
from custode.testing import factories
from custode.tickets import selectors, services, sla
from custode.tickets.models import Status, Ticket
from custode.tickets.sla import State
from custode.tickets.tests.test_tickets import MONDAY_10, H, world
from custode.tickets.tests.test_tickets import open_ticket as base_open

pytestmark = pytest.mark.django_db

__all__ = ["world"]  # the world of test_tickets: Acme on an office plan (IT holidays), its server, Maria, Anna


def open_ticket(**fields) -> Ticket:
    return base_open(None, **fields)


def live(ticket: Ticket, now: dt.datetime) -> sla.Sla | None:
    """TICKET's clock worked out from its event log, as if nothing were stored."""
    ticket = Ticket.objects.select_related("customer__plan", "asset").get(pk=ticket.pk)
    ticket.sla_basis = ""
    return services.sla_of(ticket, now=now)


def read(ticket: Ticket, now: dt.datetime) -> sla.Sla | None:
    """TICKET's clock as the queue reads it."""
    row = selectors.ticket_rows().get(pk=ticket.pk)
    return selectors.clocks([row], now=now)[0]


def test_pausing_and_resuming_store_the_pause_and_the_due_times_it_moves(world):
    ticket = open_ticket(asset="acme-srv")
    services.ticket_reply(ticket=ticket, body="Which users?", staff=world["tech"], now=MONDAY_10 + 0.5 * H)
    services.ticket_set_status(ticket=ticket, status="waiting", staff=world["tech"], now=MONDAY_10 + H)
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.paused_since, ticket.resolution_due, ticket.next_due) == (
        State.PAUSED, MONDAY_10 + H, None, None)
    assert read(ticket, MONDAY_10 + 2 * H).paused_seconds == 3600
    services.ticket_reply(ticket=ticket, body="All of them.", contact=world["maria"], now=MONDAY_10 + 3 * H)
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.paused_since, ticket.paused_seconds) == (State.RUNNING, None, 2 * 3600)
    assert ticket.resolution_due == ticket.next_due == MONDAY_10 + 6 * H  # 4h of support time, 2h paused
    assert ticket.resolution_warn == MONDAY_10 + 5 * H  # 3h of 4h: 75 %
    assert read(ticket, MONDAY_10 + 5 * H) == live(ticket, MONDAY_10 + 5 * H)


def test_a_stored_clock_turns_to_warning_and_breached_on_time_without_being_written_again(world):
    ticket = open_ticket(asset="acme-srv")
    stored = Ticket.objects.filter(pk=ticket.pk).values().get()
    for minutes, state in ((44, State.RUNNING), (45, State.WARNING), (59, State.WARNING), (60, State.BREACHED)):
        now = MONDAY_10 + dt.timedelta(minutes=minutes)
        assert read(ticket, now).state == state
        assert read(ticket, now) == live(ticket, now)
    assert Ticket.objects.filter(pk=ticket.pk).values().get() == stored


def test_a_resolved_ticket_keeps_its_verdict_met_or_breached(world):
    late, early = open_ticket(asset="acme-srv"), open_ticket(asset="acme-srv")
    for ticket in (late, early):
        services.ticket_reply(ticket=ticket, body="On it.", staff=world["tech"], now=MONDAY_10 + 0.5 * H)
    services.ticket_set_status(ticket=late, status="resolved", now=MONDAY_10 + 5 * H)
    services.ticket_set_status(ticket=early, status="resolved", now=MONDAY_10 + 2 * H)
    later = MONDAY_10 + 30 * H
    assert [read(t, later).state for t in (late, early)] == [State.BREACHED, State.MET]
    assert [read(t, later) for t in (late, early)] == [live(t, later) for t in (late, early)]


def test_the_queue_reads_its_clocks_without_asking_for_any_ticket_s_events(world, django_assert_num_queries):
    for _ in range(5):
        open_ticket(asset="acme-srv")
    rows = list(selectors.queue())
    with django_assert_num_queries(1):  # the provider's timezone
        clocks = selectors.clocks(rows, now=MONDAY_10 + 0.8 * H)
    assert [c.state for c in clocks] == [State.WARNING] * 5


def test_a_plan_change_is_read_at_once_and_stored_by_the_recomputation(world):
    ticket = open_ticket(asset="acme-srv")
    Plan.objects.filter(pk=world["plan"].pk).update(first_response={"server": 2 * 3600, "default": 7200})
    assert read(ticket, MONDAY_10).first_response_due == MONDAY_10 + 2 * H  # before the notifier's look
    assert services.sla_refresh_stale() == 1
    ticket.refresh_from_db()
    assert (ticket.first_response_due, ticket.first_response_warn) == (MONDAY_10 + 2 * H, MONDAY_10 + 1.5 * H)
    assert read(ticket, MONDAY_10 + 1.6 * H) == live(ticket, MONDAY_10 + 1.6 * H)


def test_a_ticket_moved_to_another_asset_or_whose_asset_changed_kind_is_recomputed(world):
    factories.asset("acme-site", customer=world["acme"], kind="website")
    ticket = open_ticket(asset="acme-site")
    assert ticket.first_response_due == MONDAY_10 + 2 * H
    Ticket.objects.filter(pk=ticket.pk).update(asset=world["server"])
    assert services.sla_refresh_stale() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_due == MONDAY_10 + H
    Asset.objects.filter(pk=world["server"].pk).update(kind="nas")
    assert services.sla_refresh_stale() == 1
    ticket.refresh_from_db()
    assert ticket.first_response_due == MONDAY_10 + 2 * H  # the default target


def test_tickets_never_computed_get_their_figures_closed_ones_too_and_then_keep_them(world):
    """As after the upgrade that began storing them: every ticket's figures marked for recomputation."""
    ticket, closed = open_ticket(asset="acme-srv"), open_ticket()
    services.ticket_set_status(ticket=closed, status="closed", now=MONDAY_10 + H)
    Ticket.objects.update(sla_basis="", sla_state="", first_response_warn=None)
    assert read(ticket, MONDAY_10 + 0.8 * H).state == State.WARNING  # worked out until then
    assert services.sla_refresh_stale() == 2
    assert services.sla_refresh_stale() == 0
    stored = {t.pk: t for t in Ticket.objects.all()}
    assert stored[ticket.pk].first_response_warn == MONDAY_10 + 0.75 * H
    assert (stored[closed.pk].status, stored[closed.pk].first_response_due) == (Status.CLOSED, MONDAY_10 + 2 * H)
    assert read(closed, MONDAY_10 + 3 * H).state == State.BREACHED  # closed unanswered
    Plan.objects.filter(pk=world["plan"].pk).update(resolution={"default": 3600})
    assert services.sla_refresh_stale() == 1  # a closed ticket's record is not rewritten by a plan change


def test_a_customer_without_a_plan_stores_no_clock(world):
    ticket = services.ticket_open(customer="other", subject="Hello", body="Hi", now=MONDAY_10)
    assert (ticket.sla_state, ticket.next_due, ticket.sla_basis) == ("", None, "none")
    assert read(ticket, MONDAY_10) is None
