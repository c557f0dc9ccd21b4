"""Callbacks: free slots from the staff's published hours, a booking that is a phone ticket assigned to the
slot's staff member with both e-mails, a slot taken once (also by two bookings racing), cancelling frees it."""

from __future__ import annotations

import datetime as dt
import threading
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from custode.lib.changes import Invalid
from custode.notify.models import Message
from custode.notify.transports.email import build
from custode.portal import callbacks
from custode.portal.models import Callback, CallbackHours, CallbackSetup
from custode.testing import factories
from custode.tickets.models import Channel, Status, Ticket

ROME = ZoneInfo("Europe/Rome")
MONDAY = dt.datetime(2026, 12, 7, 9, 0, tzinfo=ROME)  # a Monday morning
AT_TWO = dt.datetime(2026, 12, 7, 14, 0, tzinfo=ROME)


def publish(username: str, hours: str, **profile):
    staff = factories.staff(username, **profile).staff
    CallbackHours.objects.create(staff=staff, hours=hours)
    return staff


def book(world, start=AT_TWO, now=MONDAY, **fields):
    fields = {"customer": "hotel-mirador", "contact": world.lucia.pk, "phone": "+34 971 000 111",
              "topic": "Copias de seguridad", **fields}
    return callbacks.callback_book(start=start, now=now, **fields)


@pytest.mark.django_db
def test_free_slots_follow_the_published_hours_and_the_slot_length(world):
    publish("anna", "mon-fri 14:00-17:00")
    slots = callbacks.free_slots(days=7, now=MONDAY)
    assert len(slots) == 5 * 12
    assert slots[0].start == AT_TWO and slots[0].end == AT_TWO + dt.timedelta(minutes=15)
    CallbackSetup.objects.update_or_create(pk=1, defaults={"slot": 30 * 60})
    assert len(callbacks.free_slots(days=1, now=MONDAY)) == 6


@pytest.mark.django_db
def test_a_booking_is_a_phone_ticket_assigned_to_the_slots_staff_member_with_both_emails(world):
    anna = publish("anna", "mon-fri 14:00-17:00", language="it")
    booked = book(world)
    ticket = Ticket.objects.get(pk=booked.ticket_id)
    assert (ticket.channel, ticket.assignee, ticket.contact, ticket.subject) == \
        (Channel.PHONE, anna, world.lucia, "Copias de seguridad")
    first = ticket.replies.get()
    assert "lunes 7 de diciembre, 14:00" in first.body and "+34 971 000 111" in first.body
    assert ticket.first_response_due is not None
    assert AT_TWO not in [s.start for s in callbacks.free_slots(days=1, now=MONDAY)]

    to_lucia = Message.objects.get(recipient="lucia@mirador.example", topic=f"callback:{booked.pk}")
    assert to_lucia.language == "es" and "Llamada reservada para el lunes 7 de diciembre, 14:00" in to_lucia.subject
    to_anna = Message.objects.get(recipient="anna@example.com", topic=f"callback:{booked.pk}")
    assert to_anna.language == "it" and "Richiamata" in to_anna.subject and "+34 971 000 111" in to_anna.body
    mail = message_from_bytes(bytes(build(to_anna, "desk@retesicura.example")))
    [ics] = [part for part in mail.walk() if part.get_filename() == "callback.ics"]
    text = ics.get_payload(decode=True).decode()
    assert ics.get_content_type() == "text/calendar"
    assert "DTSTART:20261207T130000Z\r\n" in text and "DTEND:20261207T131500Z\r\n" in text
    assert f"UID:callback-{booked.pk}@" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))


@pytest.mark.django_db
def test_a_taken_slot_goes_to_the_next_staff_member_free_then_and_then_is_refused(world):
    anna = publish("anna", "mon-fri 14:00-17:00")
    bruno = publish("bruno", "mon 14:00-15:00")
    assert book(world).staff == anna
    assert book(world, contact=None).staff == bruno
    with pytest.raises(callbacks.SlotTaken):
        book(world)
    assert Callback.objects.count() == 2 and Ticket.objects.filter(channel=Channel.PHONE).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("start, error", [
    (AT_TWO - dt.timedelta(days=1), Invalid),  # a slot that has passed
    (AT_TWO + dt.timedelta(minutes=5), callbacks.SlotTaken),  # off the grid
    (dt.datetime(2026, 12, 7, 18, 0, tzinfo=ROME), callbacks.SlotTaken),  # outside the published hours
])
def test_a_slot_in_the_past_or_outside_the_hours_is_refused_and_nothing_is_recorded(world, start, error):
    publish("anna", "mon-fri 14:00-17:00")
    before = Ticket.objects.count(), Message.objects.count()
    with pytest.raises(error):
        book(world, start=start)
    assert Callback.objects.count() == 0 and (Ticket.objects.count(), Message.objects.count()) == before


@pytest.mark.django_db
@pytest.mark.parametrize("field, value", [("phone", "call me"), ("topic", "  "), ("contact", 999_999)])
def test_a_bad_field_is_named_and_nothing_is_recorded(world, field, value):
    publish("anna", "mon-fri 14:00-17:00")
    with pytest.raises(Invalid) as refused:
        book(world, **{field: value})
    assert refused.value.field == field and Callback.objects.count() == 0


@pytest.mark.django_db
def test_cancelling_frees_the_slot_resolves_the_ticket_and_tells_the_staff_member(world):
    publish("anna", "mon-fri 14:00-17:00")
    booked = book(world)
    assert callbacks.callback_cancel(callback=booked, now=MONDAY)
    assert not callbacks.callback_cancel(callback=booked, now=MONDAY)
    assert AT_TWO in [s.start for s in callbacks.free_slots(days=1, now=MONDAY)]
    assert Ticket.objects.get(pk=booked.ticket_id).status == Status.RESOLVED
    notice = Message.objects.get(key__contains="staff_callback_cancelled")
    assert "METHOD:CANCEL" in notice.payload["attachments"][0]["text"]
    assert book(world).staff_id == booked.staff_id  # the slot can be booked again


@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_for_one_slot_get_one_callback(world):
    publish("anna", "mon-fri 14:00-17:00")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def racer(topic: str) -> None:
        try:
            start.wait(5)
            book(world, topic=topic)
            outcomes.append("booked")
        except callbacks.SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(f"call {n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["booked", "taken"]
    assert Callback.objects.count() == 1 and Ticket.objects.filter(channel=Channel.PHONE).count() == 1
