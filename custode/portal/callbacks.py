"""Callbacks: a contact books a call at a free slot of a staff member's published hours, and gets a ticket.

Staff publish when they take calls (``CallbackHours``, the grammar of support hours in the provider's
timezone); the hours are cut into slots of ``CallbackSetup.slot`` from the start of each range. A booking is a
``Callback`` row and a ticket (channel ``phone``) assigned to that staff member, with the call time in its
first message, written in one transaction with the confirmation to the contact and the notice (with an .ics)
to the staff member. The database takes a slot once (``callback_slot_once``): of two bookings racing for it,
the second fails on the constraint and tries the next staff member free then, else it is ``SlotTaken``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from custode.directory.models import Contact, Customer, Provider, StaffProfile
from custode.lib import hours as grammar
from custode.lib.changes import Invalid
from custode.notify.services import outbox_enqueue
from custode.portal import notices
from custode.portal.models import Callback, CallbackHours, CallbackSetup
from custode.tickets import services as tickets
from custode.tickets.models import Channel, Status

MAX_DAYS = 31
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,38}$")


class SlotTaken(Exception):
    """The slot is booked already, or is not one of the published ones (the API's 409)."""


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    staff: tuple[int, ...]  # who is free then, in the order a booking tries them


def slot_length() -> dt.timedelta:
    return dt.timedelta(seconds=CallbackSetup.get().slot)


def free_slots(*, days: int = 7, now: dt.datetime | None = None) -> list[Slot]:
    """The free slots from NOW for DAYS days, earliest first; a slot is free while one of its staff is."""
    now = now or timezone.now()
    offered = _offered(now, now + dt.timedelta(days=days))
    taken = set(Callback.objects.filter(cancelled_at__isnull=True, start__in=list(offered))
                .values_list("start", "staff_id"))
    slots = []
    for start, staff in sorted(offered.items()):
        free = tuple(pk for pk in staff if (start, pk) not in taken)
        if free:
            slots.append(Slot(start, start + slot_length(), free))
    return slots


def _offered(since: dt.datetime, until: dt.datetime) -> dict[dt.datetime, list[int]]:
    """Every published slot starting after SINCE and before UNTIL, with the staff who publish it. Slots run
    from the start of each range on the provider's wall clock, so a DST day keeps 14:00, 14:15, ..."""
    tz, step = ZoneInfo(Provider.get().timezone), int(slot_length().total_seconds() // 60)
    offered: dict[dt.datetime, list[int]] = {}
    first, last = since.astimezone(tz).date() - dt.timedelta(days=1), until.astimezone(tz).date()
    for row in CallbackHours.objects.select_related("staff").order_by("-staff__on_call", "staff__name", "staff_id"):
        week = grammar.parse(row.hours).days
        day = first
        while day <= last:
            for a, b in week[day.weekday()]:
                for minute in range(a, b - step + 1, step):
                    start = (dt.datetime.combine(day, dt.time(0), tz) + dt.timedelta(minutes=minute)).astimezone(dt.UTC)
                    if since < start < until:
                        offered.setdefault(start, []).append(row.staff_id)
            day += dt.timedelta(days=1)
    return offered


def callback_book(*, customer: str, phone: str, start: dt.datetime, topic: str, contact: int | None = None,
                  now: dt.datetime | None = None) -> Callback:
    """Book the slot at START for CUSTOMER's CONTACT: the callback, its ticket and both e-mails, or nothing.
    ``Invalid`` names a bad field (worded in the active language); ``SlotTaken`` a taken or unknown slot."""
    now = now or timezone.now()
    owner = Customer.objects.filter(key=customer).first()
    if owner is None:
        raise Invalid("customer", _("unknown customer %(key)s") % {"key": customer})
    person = Contact.objects.filter(pk=contact, customer=owner).first() if contact is not None else None
    if contact is not None and person is None:
        raise Invalid("contact", _("customer %(key)s has no contact %(id)s") % {"key": customer, "id": contact})
    phone, topic = " ".join(phone.split()), " ".join(topic.split())
    if not _PHONE.match(phone):
        raise Invalid("phone", _("Write a phone number we can call, like +39 0521 123456."))
    if not topic:
        raise Invalid("topic", _("Write what the call is about."))
    if start.tzinfo is None:
        raise Invalid("start", _("Give the time with its offset, like 2026-12-07T14:00:00+01:00."))
    if start <= now:
        raise Invalid("start", _("This time has passed: choose one of the free times."))
    staff = _offered(start - dt.timedelta(seconds=1), start + dt.timedelta(seconds=1)).get(start)
    if not staff or start > now + dt.timedelta(days=MAX_DAYS):
        raise SlotTaken(_("Nobody takes calls at that time: choose one of the free times."))
    for pk in staff:
        try:
            return _book(owner, person, StaffProfile.objects.get(pk=pk), start, phone, topic[:200], now)
        except IntegrityError:
            continue  # taken by someone else meanwhile: the next staff member free then, if any
    raise SlotTaken(_("This time has just been taken: choose another one."))


def _book(customer: Customer, contact: Contact | None, staff: StaffProfile, start: dt.datetime, phone: str,
          topic: str, now: dt.datetime) -> Callback:
    with transaction.atomic():
        booked = Callback.objects.create(customer=customer, contact=contact, staff=staff, start=start,
                                         end=start + slot_length(), phone=phone, topic=topic, booked_at=now)
        ticket = tickets.ticket_open(customer=customer.key, subject=topic, body=notices.ticket_body(booked),
                                     contact=contact.pk if contact else None, channel=Channel.PHONE, now=now)
        booked.ticket = tickets.ticket_assign(ticket=ticket, assignee=staff, now=now)
        booked.save(update_fields=["ticket"])
        outbox_enqueue(messages=notices.booked(booked))
    return booked


def callback_cancel(*, callback: Callback, now: dt.datetime | None = None) -> bool:
    """Cancel CALLBACK and free its slot; its ticket says so and is resolved. False when it was cancelled already."""
    now = now or timezone.now()
    with transaction.atomic():
        if not Callback.objects.filter(pk=callback.pk, cancelled_at__isnull=True).update(cancelled_at=now):
            return False
        callback.cancelled_at = now
        if callback.ticket_id is not None:
            ticket = callback.ticket
            if ticket.status != Status.CLOSED:
                tickets.ticket_reply(ticket=ticket, body=notices.cancel_note(callback), contact=callback.contact,
                                     now=now)
                tickets.ticket_set_status(ticket=ticket, status=Status.RESOLVED, now=now)
        outbox_enqueue(messages=notices.cancelled(callback))
    return True
