"""Booking a call from the portal: a free time, a phone and a topic; what goes wrong is told in the
contact's language and records nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.portal import callbacks
from custode.portal.models import Callback, CallbackHours
from custode.testing import factories
from custode.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def anna(world):
    staff = factories.staff("anna").staff
    CallbackHours.objects.create(staff=staff, hours="mon-sun 00:00-24:00")
    return staff


def test_a_contact_books_a_free_time_and_sees_the_call(as_lucia, anna, world):
    page = as_lucia.get("/portal/callbacks/").content.decode()
    assert "Reservar la llamada" in page
    slot = callbacks.free_slots(days=1)[0]
    done = as_lucia.post("/portal/callbacks/", {"start": slot.start.isoformat(), "phone": "+34 971 000 111",
                                                "topic": "Copias de seguridad"}, follow=True)
    text = done.content.decode()
    assert "Su llamada está reservada" in text and "Copias de seguridad" in text
    booked = Callback.objects.get()
    assert (booked.staff, booked.contact, booked.start) == (anna, world.lucia, slot.start)
    assert f"#{booked.ticket.number}" in text


@pytest.mark.parametrize("when, status, words", [
    (lambda: dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1), 400, "Esta hora ya ha pasado"),
    (lambda: callbacks.free_slots(days=1)[0].start + dt.timedelta(minutes=7), 409, "Nadie atiende llamadas a esa hora"),
    (lambda: "mañana", 400, "Elija una de las horas libres."),
])
def test_a_time_past_or_off_the_hours_is_refused_in_the_contacts_language(as_lucia, anna, when, status, words):
    start = when()
    answer = as_lucia.post("/portal/callbacks/", {"start": start if isinstance(start, str) else start.isoformat(),
                                                  "phone": "+34 971 000 111", "topic": "x"})
    assert answer.status_code == status and words in answer.content.decode()
    assert Callback.objects.count() == 0


def test_a_time_just_taken_is_a_409_with_a_clear_message(as_lucia, anna, world):
    slot = callbacks.free_slots(days=1)[0]
    callbacks.callback_book(customer="studio-rossi", phone="+39 0521 1", start=slot.start, topic="Rossi")
    tickets = Ticket.objects.count()
    answer = as_lucia.post("/portal/callbacks/", {"start": slot.start.isoformat(), "phone": "+34 971 000 111",
                                                  "topic": "x"})
    assert answer.status_code == 409 and "Esta hora se acaba de reservar" in answer.content.decode()
    assert "Rossi" not in answer.content.decode()
    assert Ticket.objects.count() == tickets


def test_a_contact_cancels_their_call_and_the_time_is_free_again(as_lucia, anna, world):
    slot = callbacks.free_slots(days=1)[0]
    booked = callbacks.callback_book(customer="hotel-mirador", contact=world.lucia.pk, phone="+34 1 234 567",
                                     start=slot.start, topic="Wifi")
    assert as_lucia.post(f"/portal/callbacks/{booked.pk}/cancel").status_code == 302
    assert Callback.objects.get().cancelled_at is not None
    assert slot.start in [s.start for s in callbacks.free_slots(days=1)]
