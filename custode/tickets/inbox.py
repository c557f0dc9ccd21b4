"""What the desk does with an e-mail: a new ticket for a known contact, a message on the ticket it answers, a
place in triage for staff to decide, or nothing at all when a machine wrote it (an auto-reply, a bounce), which
also keeps two auto-responders from writing to each other for ever. Every mail taken leaves an ``InboundMail``.

Taking mail UID of a mailbox happens once: the row unique on (mailbox, UIDVALIDITY, UID) is inserted in the
transaction that opens the ticket or adds the reply and moves the mailbox's last UID, so a process that dies at
any moment leaves all of it or none, and a second look at the same mail finds the row and does nothing. A mail
seen again under a new UIDVALIDITY (the server renumbered the folder) is known by its Message-ID.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from custode.directory.models import Contact, Customer, StaffProfile
from custode.lib.changes import Invalid
from custode.tickets import inbound, services
from custode.tickets.models import Attachment, Channel, InboundMail, Mailbox, Reply, Status, Ticket

log = logging.getLogger("custode.tickets")

Outcome = InboundMail.Outcome
NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"
RAW_KEPT = 25 * 1024 * 1024  # bytes of a mail in triage kept as received, for staff to read in their client


def mail_take(*, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, too_large: int | None = None,
              now: dt.datetime | None = None) -> InboundMail | None:
    """Take the mail RAW (UID of MAILBOX under UIDVALIDITY): None when it was taken already. TOO_LARGE is the
    size of a mail of which only the header was fetched."""
    now = now or timezone.now()
    mail = inbound.read(raw, max_attachment=settings.MAIL_MAX_ATTACHMENT)
    if too_large is not None:
        limit = settings.MAIL_MAX_ATTACHMENT
        mail.problem = f"too large to take ({_size(too_large)}, above {_size(max_mail(limit))}): read it in the mailbox"
    try:
        with transaction.atomic():
            if InboundMail.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
                return None
            row = InboundMail(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, message_id=mail.message_id,
                              sender=mail.sender[:300], sender_name=mail.sender_name[:200], subject=mail.subject[:300],
                              body=mail.body, sent_at=mail.sent_at if _aware(mail.sent_at) else None, taken_at=now)
            reply = _decide(row, mail, now)
            if row.outcome == Outcome.TRIAGE:
                row.raw = raw if len(raw) <= RAW_KEPT else None
            row.save()
            Attachment.objects.bulk_create([
                Attachment(mail=row, reply=reply, name=part.name, content_type=part.content_type,
                           size=len(part.data), data=part.data) for part in mail.attachments])
            Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=uidvalidity, last_uid__lt=uid).update(last_uid=uid)
    except IntegrityError:
        if InboundMail.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
            return None  # another process took it meanwhile
        raise
    log.info("mail %s from %s (%s): %s%s", uid, mail.sender or "?", mailbox.name, row.outcome,
             f" ({row.reason})" if row.reason else "")
    return row


def mail_keep(*, mailbox: Mailbox, uidvalidity: int, uid: int, raw: bytes, reason: str,
              now: dt.datetime | None = None) -> InboundMail | None:
    """Keep in triage, as received, a mail ``mail_take`` failed on (REASON says how); None if taken already."""
    with transaction.atomic():
        if InboundMail.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists():
            return None
        row = InboundMail.objects.create(
            mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, body=inbound.text_of_raw(raw),
            taken_at=now or timezone.now(), outcome=Outcome.TRIAGE, reason=reason[:500],
            raw=raw if len(raw) <= RAW_KEPT else None)
        Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=uidvalidity, last_uid__lt=uid).update(last_uid=uid)
    return row


def max_mail(max_attachment: int) -> int:
    """The largest mail fetched whole: four attachments at the limit and their text."""
    return 4 * max_attachment + 1024 * 1024


def _decide(row: InboundMail, mail: inbound.Mail, now: dt.datetime) -> Reply | None:
    """Set ROW's outcome (and reason, ticket); write the ticket or reply it makes. The reply, if any."""
    if mail.problem:
        return _triage(row, mail.problem)
    if mail.automatic:
        row.outcome, row.reason = Outcome.IGNORED, mail.automatic[:500]
        return None
    if mail.message_id:
        first = InboundMail.objects.filter(message_id=mail.message_id).exclude(outcome=Outcome.DUPLICATE).first()
        if first is not None:
            row.outcome, row.reason, row.ticket = Outcome.DUPLICATE, f"the same message as mail {first.pk}", first.ticket
            return None
    contacts = list(Contact.objects.filter(email__iexact=mail.sender).select_related("customer").order_by("id"))
    ticket = _answered(mail)
    if ticket is not None and ticket.status != Status.CLOSED:
        contact = next((c for c in contacts if c.customer_id == ticket.customer_id), None)
        if contact is None:
            return _triage(row, f"answers ticket #{ticket.number} of {ticket.customer.name}, but {mail.sender} "
                                "is not one of that customer's contacts")
        return _written(row, Outcome.REPLIED, lambda: services.ticket_reply(
            ticket=ticket, body=_body(mail), contact=contact, now=now), mail)
    customers = {c.customer_id: c.customer.name for c in contacts}
    if not customers:
        return _triage(row, f"{mail.sender} is not a contact of any customer")
    if len(customers) > 1:
        return _triage(row, f"{mail.sender} is a contact of several customers ({', '.join(sorted(customers.values()))})")
    contact = contacts[0]
    return _written(row, Outcome.OPENED, lambda: _first_reply(services.ticket_open(
        customer=contact.customer.key, subject=_subject(mail), body=_body(mail), contact=contact.pk,
        channel=Channel.EMAIL, now=now)), mail)


def _answered(mail: inbound.Mail) -> Ticket | None:
    """The ticket MAIL answers: the one whose message it names in In-Reply-To or References (Custode's mail or
    the customer's own), else the one whose number its subject carries."""
    if mail.references:
        reply = Reply.objects.filter(message_id__in=mail.references).select_related("ticket__customer").order_by("-id").first()
        if reply is not None:
            return reply.ticket
    if mail.number is not None:
        return Ticket.objects.select_related("customer").filter(number=mail.number).first()
    return None


def _written(row: InboundMail, outcome: str, write, mail: inbound.Mail) -> Reply | None:
    """WRITE the ticket's message; what the service refuses (it names why) sends the mail to triage instead."""
    try:
        with transaction.atomic():
            reply = write()
    except Invalid as exc:
        return _triage(row, f"{exc.field}: {exc.message}")
    if mail.message_id:
        Reply.objects.filter(pk=reply.pk).update(message_id=mail.message_id)
    row.outcome, row.ticket = outcome, reply.ticket
    return reply


def _first_reply(ticket: Ticket) -> Reply:
    return ticket.replies.order_by("id").first()


def _triage(row: InboundMail, reason: str) -> None:
    row.outcome, row.reason = Outcome.TRIAGE, reason[:500]
    return None


def _subject(mail: inbound.Mail) -> str:
    return " ".join(inbound.NUMBER.sub("", mail.subject).split()) or NO_SUBJECT


def _body(mail: inbound.Mail) -> str:
    notes = [f"[{name}, {_size(size)}: not kept, larger than {_size(settings.MAIL_MAX_ATTACHMENT)}]"
             for name, size in mail.too_large]
    return "\n\n".join([mail.body.strip() or NO_TEXT, *notes])


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n // 1024, 1)} KB"


def _aware(value) -> bool:
    return isinstance(value, dt.datetime) and value.tzinfo is not None


# -- staff's decisions on triage -----------------------------------------------------------------------------

UNDECIDED = (Outcome.TRIAGE, Outcome.IGNORED)


def triage_open(*, mail: int, customer: str, staff: StaffProfile | None = None,
                now: dt.datetime | None = None) -> Ticket:
    """A ticket of CUSTOMER from the mail in triage (or ignored) MAIL: its sender as the contact when they are
    one of CUSTOMER's, its attachments on the first message."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _undecided(mail)
        owner = Customer.objects.filter(key=customer).first()
        if owner is None:
            raise Invalid("customer", f"unknown customer {customer!r}")
        contact = Contact.objects.filter(customer=owner, email__iexact=row.sender).order_by("id").first() \
            if row.sender else None
        ticket = services.ticket_open(
            customer=owner.key, subject=_subject(inbound.Mail(subject=row.subject)), body=row.body.strip() or NO_TEXT,
            contact=contact.pk if contact else None, channel=Channel.EMAIL, now=now)
        first = _first_reply(ticket)
        if contact is None:
            Reply.objects.filter(pk=first.pk).update(author_name=row.sender_name or row.sender)
        if row.message_id:
            Reply.objects.filter(pk=first.pk).update(message_id=row.message_id)
        row.attachments.update(reply=first)
        _decided(row, Outcome.CONVERTED, staff, now, ticket=ticket)
    return ticket


def triage_discard(*, mail: int, staff: StaffProfile | None = None, now: dt.datetime | None = None) -> InboundMail:
    with transaction.atomic():
        row = _undecided(mail)
        _decided(row, Outcome.DISCARDED, staff, now or timezone.now())
    return row


def _undecided(pk: int) -> InboundMail:
    row = InboundMail.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise Invalid("mail", f"no such mail: {pk}")
    if row.outcome not in UNDECIDED:
        raise Invalid("mail", f"mail {pk} is no longer waiting for a decision: {row.get_outcome_display()}")
    return row


def _decided(row: InboundMail, outcome: str, staff: StaffProfile | None, now: dt.datetime, ticket=None) -> None:
    row.outcome, row.decided_by, row.decided_at, row.raw = outcome, staff, now, None
    row.ticket = ticket or row.ticket
    row.save(update_fields=["outcome", "decided_by", "decided_at", "raw", "ticket"])
