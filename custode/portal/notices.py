"""What a callback tells: the contact, that it is booked (or cancelled); the staff member, the same with a
calendar file (.ics) of the call. Nothing here writes: ``callbacks`` hands these to the outbox in the
transaction that books or cancels, keyed by callback, event and recipient, so writing twice is harmless."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient
from custode.notify.transports.email import sender
from custode.portal.login import language_of
from custode.portal.models import Callback


def moment(at: dt.datetime, language: str) -> str:
    """'lunedì 7 dicembre, 14:00 (ora Italia)': a call's time as its reader says it, in the provider's zone."""
    tz = wording.zone(Provider.get().timezone)
    return f"{wording.day(at, tz, language)}, {wording.clock(at, tz)} ({wording.zone_name(tz, language)})"


def _customer_language(callback: Callback) -> str:
    if callback.contact is not None:
        return language_of(callback.contact)
    return wording.known(callback.customer.language or Provider.get().language)


def ticket_body(callback: Callback) -> str:
    """The ticket's first message, in the customer's language: when, which number, what about."""
    language = _customer_language(callback)
    with translation.override(language):
        return _("Callback booked for %(when)s at %(phone)s.\nTopic: %(topic)s") % {
            "when": moment(callback.start, language), "phone": callback.phone, "topic": callback.topic}


def cancel_note(callback: Callback) -> str:
    language = _customer_language(callback)
    with translation.override(language):
        return _("Callback of %(when)s cancelled.") % {"when": moment(callback.start, language)}


def booked(callback: Callback) -> list[Outgoing]:
    return _to_contact(callback, "portal_callback_booked") + _to_staff(callback, "staff_callback_booked")


def cancelled(callback: Callback) -> list[Outgoing]:
    return _to_staff(callback, "staff_callback_cancelled", cancelled=True)


def _context(callback: Callback, r: Recipient, signer: dict) -> dict:
    ticket = callback.ticket
    return {**contexts.common(Provider.get(), r, signer), "when": moment(callback.start, r.language),
            "phone": callback.phone, "topic": callback.topic, "customer": callback.customer.name,
            "contact": callback.contact.name if callback.contact else "",
            "ticket": {"number": ticket.number if ticket else "", "subject": ticket.subject if ticket else ""},
            "portal_url": absolute("/portal/callbacks/"),
            "staff_url": absolute(f"/tickets/{ticket.number}/") if ticket else ""}


def _to_contact(callback: Callback, template: str) -> list[Outgoing]:
    contact = callback.contact
    if contact is None or not contact.email:
        return []
    language = language_of(contact)
    r = Recipient(f"contact:{contact.pk}", contact.name, language, Channel.EMAIL, contact.email)
    subject, body = templating.render(template, language, _context(callback, r, contexts.signer_of(
        callback.staff, Provider.get())))
    return [Outgoing(key=f"callback:{callback.pk}:{template}:{r.ident}", audience=Audience.CUSTOMER,
                     channel=r.channel, recipient=r.address, language=language, subject=subject, body=body,
                     recipient_name=r.name, topic=f"callback:{callback.pk}", customer_id=callback.customer_id)]


def _to_staff(callback: Callback, template: str, *, cancelled: bool = False) -> list[Outgoing]:
    staff = callback.staff
    if not staff.user.email:
        return []
    language = wording.known(staff.language or Provider.get().language)
    r = Recipient(f"staff:{staff.pk}", staff.name, language, Channel.EMAIL, staff.user.email)
    provider = Provider.get()
    subject, body = templating.render(template, language, _context(callback, r, contexts.signer_of(None, provider)))
    return [Outgoing(key=f"callback:{callback.pk}:{template}:{r.ident}", audience=Audience.STAFF,
                     channel=r.channel, recipient=r.address, language=language, subject=subject, body=body,
                     recipient_name=r.name, topic=f"callback:{callback.pk}", customer_id=callback.customer_id,
                     payload={"attachments": [{"filename": "callback.ics", "content_type": "text/calendar",
                                               "text": ics(callback, subject, cancelled=cancelled)}]})]


def ics(callback: Callback, summary: str, *, cancelled: bool = False) -> str:
    """The call as an iCalendar event (RFC 5545): one UID per callback, so a cancellation replaces it."""
    domain = sender().rpartition("@")[2] or "custode.invalid"
    stamp = (callback.cancelled_at or callback.booked_at).astimezone(dt.UTC)
    ticket = callback.ticket
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Custode//Callbacks//EN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}", "BEGIN:VEVENT",
        f"UID:callback-{callback.pk}@{domain}", f"DTSTAMP:{_utc(stamp)}", f"DTSTART:{_utc(callback.start)}",
        f"DTEND:{_utc(callback.end)}", f"SEQUENCE:{1 if cancelled else 0}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}", f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(callback.phone + chr(10) + callback.topic)}",
        f"LOCATION:{_text('tel:' + callback.phone.replace(' ', ''))}",
    ]
    if ticket is not None and settings.BASE_URL:
        lines.append(f"URL:{absolute(f'/tickets/{ticket.number}/')}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, the rest on continuation lines that start with a space (RFC 5545 3.1)."""
    out, chunk = [], ""
    for char in line:
        if len((chunk + char).encode()) > (75 if not out else 74):
            out.append(chunk)
            chunk = ""
        chunk += char
    out.append(chunk)
    return "\r\n ".join(out)
