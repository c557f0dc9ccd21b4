"""The staff's desk pages: the queue in SLA order, a new ticket, a ticket's page and its forms; bad input is shown
next to its field with a 400 and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from custode.testing import factories
from custode.tickets import services
from custode.tickets.models import Reply, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(world):
    factories.provider(timezone="Europe/Rome")
    plan = factories.plan("always", support_hours="24/7", first_response={"default": 3600},
                          resolution={"default": 8 * 3600})
    world.bianchi.plan = plan
    world.bianchi.save()
    return world


def test_the_queue_shows_the_breached_ticket_first_and_hides_closed_ones(staff_client, desk):
    now = timezone.now()
    calm = services.ticket_open(customer="studio-bianchi", subject="Printer", body="x", now=now)
    late = services.ticket_open(customer="studio-bianchi", subject="Mail down", body="x",
                                opened_at=now - dt.timedelta(hours=2), now=now)
    done = services.ticket_open(customer="studio-bianchi", subject="Old request", body="x", now=now)
    services.ticket_set_status(ticket=done, status="closed")
    page = staff_client.get(reverse("tickets")).content.decode()
    assert page.index("Mail down") < page.index("Printer")
    assert "Old request" not in page and "sla-breached" in page
    closed = staff_client.get(reverse("tickets"), {"status": "closed"}).content.decode()
    assert "Old request" in closed and "Printer" not in closed
    assert f'href="{reverse("ticket", args=[late.number])}"' in page
    assert f'href="{reverse("ticket", args=[calm.number])}"' in page


def test_a_new_phone_ticket_is_opened_and_shown(staff_client, desk):
    answer = staff_client.post(reverse("ticket-new"), {
        "customer": "studio-bianchi", "subject": "NAS slow", "body": "Since Monday.", "asset": "bianchi-nas",
        "priority": "high", "channel": "phone"})
    ticket = Ticket.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("ticket", args=[ticket.number])
    page = staff_client.get(answer["Location"]).content.decode()
    assert "NAS slow" in page and "Since Monday." in page and "NAS ufficio" in page


def test_an_asset_of_another_customer_is_refused_next_to_its_field(staff_client, desk):
    answer = staff_client.post(reverse("ticket-new"), {
        "customer": "studio-bianchi", "subject": "Site", "body": "x", "asset": "mirador-site",
        "priority": "normal", "channel": "phone"})
    assert answer.status_code == 400
    assert "customer &#x27;studio-bianchi&#x27; has no asset &#x27;mirador-site&#x27;" in answer.content.decode()
    assert not Ticket.objects.exists()


def test_a_reply_an_internal_note_a_status_change_and_time_from_the_ticket_page(staff_client, desk, tech):
    ticket = services.ticket_open(customer="studio-bianchi", subject="VPN", body="x")
    number = ticket.number
    staff_client.post(reverse("ticket-reply", args=[number]), {"body": "Trying now."})
    staff_client.post(reverse("ticket-reply", args=[number]), {"body": "Cert expired.", "internal": "on"})
    staff_client.post(reverse("ticket-change", args=[number]), {"status": "waiting", "assignee": "tech"})
    staff_client.post(reverse("ticket-time", args=[number]), {"minutes": "20", "note": "renewed cert"})
    ticket.refresh_from_db()
    assert ticket.status == "waiting" and ticket.assignee == tech.staff and ticket.first_response_at is not None
    assert list(Reply.objects.filter(ticket=ticket).values_list("public", flat=True)) == [True, True, False]
    page = staff_client.get(reverse("ticket", args=[number])).content.decode()
    assert "renewed cert" in page and "20 min" in page


def test_bad_time_and_an_impossible_status_are_400_next_to_their_field(staff_client, desk):
    ticket = services.ticket_open(customer="studio-bianchi", subject="VPN", body="x")
    services.ticket_set_status(ticket=ticket, status="closed")
    bad_time = staff_client.post(reverse("ticket-time", args=[ticket.number]), {"minutes": "0"})
    reopen = staff_client.post(reverse("ticket-change", args=[ticket.number]), {"status": "open", "assignee": ""})
    assert bad_time.status_code == 400 and reopen.status_code == 400
    assert "cannot become open" in reopen.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "closed"


def test_an_unknown_filter_or_ticket_is_a_4xx(staff_client, desk):
    assert staff_client.get(reverse("tickets"), {"status": "lost"}).status_code == 400
    assert staff_client.get(reverse("ticket", args=[99999])).status_code == 404


@pytest.mark.parametrize(("language", "words"), [("it", ["Richieste", "Nuova richiesta"]),
                                                ("es", ["Solicitudes", "Nueva solicitud"])])
def test_the_desk_speaks_the_technicians_language(client, desk, language, words):
    staff = factories.staff("paola", language=language)
    client.force_login(staff)
    page = client.get(reverse("tickets")).content.decode()
    assert all(word in page for word in words)
