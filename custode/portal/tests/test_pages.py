"""A contact's pages: their tickets (open first), a thread with its reply, a new ticket, their services with
warranties, their hours bank and their status page; each in their language with the provider's contact block."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.testing import factories
from custode.tickets import services as tickets
from custode.tickets.models import Channel, Event, Reply, Status, Ticket

pytestmark = pytest.mark.django_db


def test_every_page_speaks_the_contacts_language_and_shows_the_providers_contact_block(as_lucia):
    for path in ("/portal/", "/portal/tickets/new/", "/portal/assets/", "/portal/hours/", "/portal/status/"):
        page = as_lucia.get(path, HTTP_ACCEPT_LANGUAGE="it")
        text = page.content.decode()
        assert page.status_code == 200, path
        assert '<html lang="es">' in text and "Solicitudes" in text, path
        assert "Para hablar con Rete Sicura" in text and "+39 0521 000000" in text, path
        assert 'name="viewport"' in text and page["Cache-Control"] == "private, no-store"


def test_the_list_shows_open_tickets_first(as_lucia, world):
    done = tickets.ticket_open(customer="hotel-mirador", subject="Cambio de contraseña", body="Hecho.")
    tickets.ticket_set_status(ticket=done, status=Status.RESOLVED)
    later = tickets.ticket_open(customer="hotel-mirador", subject="Wifi lenta", body="En las habitaciones.")
    text = as_lucia.get("/portal/").content.decode()
    assert text.index("Wifi lenta") < text.index("La impresora no imprime") < text.index("Cambio de contraseña")
    assert later.number > world.mine.number


def test_a_thread_shows_public_messages_only(as_lucia, world):
    staff = factories.staff("anna").staff
    tickets.ticket_reply(ticket=world.mine, body="Nota interna: toner agotado", public=False, staff=staff)
    tickets.ticket_reply(ticket=world.mine, body="Le enviamos un técnico mañana.", staff=staff)
    text = as_lucia.get(f"/portal/tickets/{world.mine.number}/").content.decode()
    assert "Le enviamos un técnico mañana." in text and "Desde ayer." in text
    assert "toner agotado" not in text


def test_a_reply_goes_through_the_desk_and_restarts_a_waiting_clock(as_lucia, world):
    tickets.ticket_set_status(ticket=world.mine, status=Status.WAITING)
    response = as_lucia.post(f"/portal/tickets/{world.mine.number}/", {"body": "Ya está enchufada."})
    assert response.status_code == 302
    reply = Reply.objects.filter(ticket=world.mine).last()
    assert reply.body == "Ya está enchufada." and reply.contact == world.lucia and reply.public
    ticket = Ticket.objects.get(pk=world.mine.pk)
    assert ticket.status == Status.OPEN
    assert list(ticket.events.values_list("kind", flat=True))[-1] == Event.Kind.RESUMED


def test_an_empty_reply_or_one_to_a_closed_ticket_is_refused_and_nothing_is_written(as_lucia, world):
    before = Reply.objects.count()
    empty = as_lucia.post(f"/portal/tickets/{world.mine.number}/", {"body": "  "})
    assert empty.status_code == 400 and "Escriba su mensaje." in empty.content.decode()
    tickets.ticket_set_status(ticket=world.mine, status=Status.CLOSED)
    closed = as_lucia.post(f"/portal/tickets/{world.mine.number}/", {"body": "¿Hola?"})
    assert closed.status_code == 400 and "Esta solicitud está cerrada" in closed.content.decode()
    assert Reply.objects.count() == before


def test_a_new_ticket_names_one_of_their_assets_and_a_priority(as_lucia, world):
    response = as_lucia.post("/portal/tickets/new/", {"subject": "El NAS pita", "body": "Desde las 9.",
                                                      "asset": "mirador-nas", "priority": "high"})
    made = Ticket.objects.get(subject="El NAS pita")
    assert response["Location"] == f"/portal/tickets/{made.number}/"
    assert (made.customer, made.contact, made.asset, made.priority, made.channel) == \
        (world.mirador, world.lucia, world.nas, "high", Channel.PORTAL)
    assert made.first_response_due is not None  # the plan's clock runs


def test_a_new_ticket_with_another_customers_asset_or_no_subject_is_refused_and_nothing_is_written(as_lucia, world):
    before = Ticket.objects.count()
    foreign = as_lucia.post("/portal/tickets/new/", {"subject": "x", "body": "y", "asset": "rossi-vault",
                                                     "priority": "normal"})
    assert foreign.status_code == 400 and "Elija uno de sus servicios de la lista." in foreign.content.decode()
    assert "rossi-vault" not in foreign.content.decode().split("Elija uno")[0].split("<select")[1]
    blank = as_lucia.post("/portal/tickets/new/", {"subject": "", "body": "y", "priority": "whenever"})
    text = blank.content.decode()
    assert blank.status_code == 400 and "Escriba de qué se trata." in text and "Elija una prioridad" in text
    assert Ticket.objects.count() == before


def test_the_assets_page_lists_their_assets_with_warranties(as_lucia):
    text = as_lucia.get("/portal/assets/").content.decode()
    assert "NAS recepción" in text and "12/03/2027" in text and "Rossi secret vault" not in text


def test_the_hours_page_shows_this_and_last_month(as_lucia, world):
    tickets.ticket_log_time(ticket=world.mine, minutes=90)
    tickets.ticket_log_time(ticket=world.theirs, minutes=300)
    text = as_lucia.get("/portal/hours/").content.decode()
    assert "10 horas" in text and "1,5 horas" in text and "quedan 8,5 horas" in text
    assert text.count("quedan 10 horas") == 1  # last month: nothing used; Rossi's time is not counted here


def test_the_status_page_links_their_private_page(as_lucia, world):
    text = as_lucia.get("/portal/status/").content.decode()
    assert f"/status/c/{world.mirador.status_token}/?lang=es" in text
    assert world.rossi.status_token not in text


def test_the_assets_page_marks_a_warranty_expired_from_the_day_after_its_date_in_the_providers_time_zone(
        as_lucia, world):
    _, today = factories.provider_a_day_off_utc(contact_url="https://retesicura.example/contatti")
    factories.asset("mirador-router", customer=world.mirador, kind="network", name="Router recepción",
                    warranty_until=today - dt.timedelta(days=1))
    factories.asset("mirador-switch", customer=world.mirador, kind="network", name="Switch cocina",
                    warranty_until=today)
    text = as_lucia.get("/portal/assets/").content.decode()
    router, switch = text[text.index("Router recepción"):], text[text.index("Switch cocina"):]
    assert router[:router.index("</tr>")].count("caducada") == 1
    assert "caducada" not in switch[:switch.index("</tr>")] and "caduca pronto" in switch[:switch.index("</tr>")]
