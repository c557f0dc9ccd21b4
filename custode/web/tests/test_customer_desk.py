"""The customer's page as a desk: the hours bank of this month and the last (overdrawn in red), the customer's
tickets (those not closed first, with their SLA badge and link), a "New ticket" link preset to the customer, and
their recent incidents; nothing of another customer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from custode.incidents.models import AffectedCustomer, Incident
from custode.testing import factories
from custode.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(world):
    factories.provider(timezone="Europe/Rome")
    plan = factories.plan("office", first_response={"default": 3600}, resolution={"default": 8 * 3600},
                          monthly_hours=2)
    for customer in (world.bianchi, world.outsider):
        customer.plan = plan
        customer.save()
    return world


def page(client, key="studio-bianchi") -> str:
    answer = client.get(reverse("customer", args=[key]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_hours_bank_shows_this_month_and_the_last_with_an_overdraw_in_red(staff_client, desk):
    now = timezone.now()
    ticket = services.ticket_open(customer="studio-bianchi", subject="Printer", body="x", now=now)
    services.ticket_log_time(ticket=ticket, minutes=150, now=now)
    # three days before the 1st of the provider's month: from UTC's, in the last hour(s) of a month's last day
    # (the 1st in Rome) this would be two of Rome's months back
    rome = ZoneInfo("Europe/Rome")
    first = dt.datetime.combine(now.astimezone(rome).date().replace(day=1), dt.time(12), rome)
    last_month = first - dt.timedelta(days=3)
    services.ticket_log_time(ticket=ticket, minutes=45, now=last_month)
    html = page(staff_client)
    section = html[html.index('id="hours"'):html.index('id="tickets"')]
    this, last = section.split('<tr class="bank')[1:3]
    assert ' overdrawn">' in this and "2 h" in this and "2 h 30 min" in this
    assert '<strong class="overdrawn">−0 h 30 min · overdrawn</strong>' in this
    assert "overdrawn" not in last and "0 h 45 min" in last and "1 h 15 min" in last


def test_the_customer_s_tickets_come_open_first_with_their_sla_and_link(staff_client, desk):
    now = timezone.now()
    done = services.ticket_open(customer="studio-bianchi", subject="Old request", body="x", now=now)
    services.ticket_set_status(ticket=done, status="closed")
    late = services.ticket_open(customer="studio-bianchi", subject="Mail down", body="x",
                                opened_at=now - dt.timedelta(hours=2), now=now)
    services.ticket_open(customer="outsider", subject="Outsider's request", body="x", now=now)
    html = page(staff_client)
    assert html.index("Mail down") < html.index("Old request")
    assert f'<a href="{reverse("ticket", args=[late.number])}">Mail down</a>' in html
    assert 'class="badge sla-breached"' in html
    assert "Outsider&#x27;s request" not in html and "Outsider's request" not in html


def test_new_ticket_from_the_customer_s_page_is_preset_to_the_customer(staff_client, desk):
    link = f'{reverse("ticket-new")}?customer=studio-bianchi'
    assert f'href="{link}"' in page(staff_client)
    form = staff_client.get(link).content.decode()
    assert '<option value="studio-bianchi" selected>' in form


def test_the_customer_s_recent_incidents_are_listed_and_no_one_else_s(staff_client, desk):
    opened = timezone.now()
    mine = Incident.objects.create(title="NAS unreachable", opened_at=opened)
    AffectedCustomer.objects.create(incident=mine, customer=desk.bianchi, started_at=opened)
    theirs = Incident.objects.create(title="Outsider site down", opened_at=opened)
    AffectedCustomer.objects.create(incident=theirs, customer=desk.outsider, started_at=opened)
    html = page(staff_client)
    assert f'href="{reverse("incident", args=[mine.pk])}"' in html and "NAS unreachable" in html
    assert "Outsider site down" not in html


def test_a_customer_without_tickets_or_hours_has_a_plain_page(staff_client, world):
    html = page(staff_client, "hotel-mirador")
    assert "No tickets." in html and "0 h" in html
