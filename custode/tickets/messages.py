"""What Custode tells about tickets: staff, of an SLA clock at 75 % of its target, or past it, and of a
customer's hours bank at 80 % of the month's hours, or overdrawn; the ticket's contact, of a staff reply.

Nothing here writes: ``services.sla_warn`` and ``hours.hours_alarm`` hand the result to the outbox in the
transaction that records the warning as sent. The key names ticket (or customer and month), warning,
recipient and channel, so writing it twice is harmless.
"""

from __future__ import annotations

import hashlib

from babel.dates import format_date
from django.conf import settings

from custode.directory.models import Customer, Provider, StaffProfile
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient, staff_recipients
from custode.notify.transports.email import sender
from custode.tickets.models import Reply, Ticket
from custode.tickets.sla import Sla


def sla_warning(ticket: Ticket, alarm: str, clock: Sla) -> list[Outgoing]:
    """ALARM (``first_response:warning``, ``resolution:breached``, ...) of TICKET to whoever must act."""
    provider = Provider.get()
    which, level = alarm.split(":")
    due = clock.first_response_due if which == "first_response" else clock.resolution_due
    tz = wording.zone(provider.timezone)
    out = []
    for r in _who_acts(ticket.assignee_id, provider):
        context = {
            **contexts.common(provider, r, contexts.signer_of(None, provider)),
            "ticket": {"number": ticket.number, "subject": ticket.subject, "customer": ticket.customer.name,
                       "asset": ticket.asset.name if ticket.asset else "", "priority": ticket.priority},
            "clock": which, "breached": level == "breached",
            "due": contexts.when(due, tz, r.language) if due else None,
            "url": absolute(f"/tickets/{ticket.number}/"),
        }
        subject, body = templating.render("staff_ticket_sla", r.language, context)
        out.append(Outgoing(
            key=f"ticket:{ticket.pk}:{alarm}:{r.ident}:{r.channel}:{r.address}"[:255], audience=Audience.STAFF,
            channel=r.channel, recipient=r.address, language=r.language, subject=subject, body=body,
            recipient_name=r.name, topic=f"ticket:{ticket.pk}", customer_id=ticket.customer_id))
    return out


_MONTH = {"it": "LLLL y", "en": "LLLL y", "es": "LLLL 'de' y"}  # "dicembre 2026", "diciembre de 2026"


def hours_alert(customer: Customer, bank, level: str, provider: Provider) -> list[Outgoing]:
    """LEVEL (``warning``: 80 % used, ``overdrawn``) of CUSTOMER's hours BANK (``hours.Bank``) for the month, to
    the on-call staff member (else everyone on staff), each in their language."""
    out = []
    for r in _who_acts(None, provider):
        context = {
            **contexts.common(provider, r, contexts.signer_of(None, provider)),
            "customer": customer.name, "overdrawn": level == "overdrawn",
            "month": format_date(bank.month, _MONTH[wording.known(r.language)], locale=wording.locale(r.language)),
            "included": wording.duration(bank.included_minutes * 60, r.language),
            "used": wording.duration(bank.used_minutes * 60, r.language),
            "over": wording.duration(-bank.balance_minutes * 60, r.language),
            "left": wording.duration(bank.balance_minutes * 60, r.language),
            "url": absolute(f"/customers/{customer.key}/#hours"),
        }
        subject, body = templating.render("staff_hours_bank", r.language, context)
        out.append(Outgoing(
            key=f"hours:{customer.pk}:{bank.month:%Y-%m}:{level}:{r.ident}:{r.channel}:{r.address}"[:255],
            audience=Audience.STAFF, channel=r.channel, recipient=r.address, language=r.language, subject=subject,
            body=body, recipient_name=r.name, topic=f"hours:{customer.pk}", customer_id=customer.pk))
    return out


def _who_acts(assignee_id: int | None, provider: Provider) -> list[Recipient]:
    """The assignee; without one, the on-call staff member; without one either (or if they cannot be
    reached), everyone on staff: a warning is never written to nobody."""
    everyone = staff_recipients(provider=provider)
    on_call = StaffProfile.objects.filter(on_call=True).values_list("pk", flat=True).first()
    for person in (assignee_id, on_call):
        if person is not None:
            theirs = [r for r in everyone if r.ident == f"staff:{person}"]
            if theirs:
                return theirs
    return everyone


def reply_mail(ticket: Ticket, reply: Reply) -> list[Outgoing]:
    """A public staff REPLY e-mailed to TICKET's contact in their language, the ticket's number in the subject,
    signed by the staff member; none when the contact has no e-mail address. Its Message-ID (in ``headers``)
    is made from the reply, and In-Reply-To names the customer's last mail, so both sides' clients thread."""
    contact = ticket.contact
    if contact is None or not contact.email:
        return []
    provider = Provider.get()
    language = wording.known(contact.language or ticket.customer.language or provider.language)
    r = Recipient(f"contact:{contact.pk}", contact.name, language, Channel.EMAIL, contact.email)
    context = {**contexts.common(provider, r, contexts.signer_of(reply.staff, provider)),
               "ticket": {"number": ticket.number, "subject": ticket.subject}, "body": reply.body}
    subject, body = templating.render("ticket_reply", language, context)
    return [Outgoing(
        key=f"ticket-reply:{reply.pk}:{r.ident}"[:255], audience=Audience.CUSTOMER, channel=r.channel,
        recipient=r.address, language=language, subject=subject, body=body, recipient_name=r.name,
        topic=f"ticket:{ticket.pk}", customer_id=ticket.customer_id, headers=_threading(ticket, reply))]


def _threading(ticket: Ticket, reply: Reply) -> dict:
    domain = sender().rpartition("@")[2] or "custode.invalid"
    token = hashlib.sha256(f"{settings.SECRET_KEY}:reply:{reply.pk}".encode()).hexdigest()[:16]
    headers = {"Message-ID": f"<ticket-{ticket.number}.{reply.pk}.{token}@{domain}>",
               "Auto-Submitted": "no"}  # a person wrote it
    earlier = list(ticket.replies.exclude(message_id="").exclude(pk=reply.pk).order_by("-id")
                   .values_list("message_id", "contact_id")[:10])
    theirs = next((mid for mid, contact in earlier if contact is not None), None)
    if theirs:
        headers["In-Reply-To"] = theirs
    if earlier:
        headers["References"] = " ".join(mid for mid, _ in reversed(earlier))
    return headers
