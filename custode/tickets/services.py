"""What people do with tickets: open, reply, change status, assign, log time; and keeping the SLA due times
stored on each ticket equal to what its plan says now (``sla_refresh``, ``sla_refresh_stale``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from custode.assets.models import Asset
from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile
from custode.lib.changes import Invalid
from custode.notify.services import outbox_enqueue
from custode.tickets import hours, messages, sla
from custode.tickets.models import Attachment, Channel, Event, Priority, Reply, Status, Ticket, TimeEntry
from custode.tickets.uploads import Upload, safe_name, uploads_check

# status -> the statuses it may move to; a closed ticket is history
MOVES = {
    Status.OPEN: {Status.WAITING, Status.RESOLVED, Status.CLOSED},
    Status.WAITING: {Status.OPEN, Status.RESOLVED, Status.CLOSED},
    Status.RESOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}
STOPPED = (Status.WAITING, Status.RESOLVED)  # the clock does not run: waiting on the customer, or done
MAX_MINUTES = 24 * 60


def ticket_open(*, customer: str, subject: str, body: str, asset: str | None = None, contact: int | None = None,
                priority: str = Priority.NORMAL, channel: str = Channel.API, opened_at: dt.datetime | None = None,
                staff: StaffProfile | None = None, files: Sequence[Upload] = (),
                now: dt.datetime | None = None) -> Ticket:
    """A new ticket of CUSTOMER, its first message BODY from CONTACT (or written by STAFF) with FILES attached,
    its clock running."""
    now = now or timezone.now()
    owner = Customer.objects.select_related("plan").filter(key=customer).first()
    if owner is None:
        raise Invalid("customer", f"unknown customer {customer!r}")
    if not subject.strip():
        raise Invalid("subject", "write what the request is about")
    if not body.strip():
        raise Invalid("body", "write the request")
    if priority not in Priority.values:
        raise Invalid("priority", f"must be one of {', '.join(Priority.values)}, not {priority!r}")
    if channel not in Channel.values:
        raise Invalid("channel", f"must be one of {', '.join(Channel.values)}, not {channel!r}")
    if opened_at is not None and opened_at > now + dt.timedelta(minutes=1):
        raise Invalid("opened_at", "is in the future; it is only for tickets brought over from another desk")
    thing = _asset_of(owner, asset)
    person = _contact_of(owner, contact)
    _check_files(files)
    opened = opened_at or now
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=next_number(), customer=owner, contact=person, asset=thing, subject=subject.strip()[:200],
            priority=priority, channel=channel, opened_at=opened)
        Event.objects.create(ticket=ticket, at=opened, kind=Event.Kind.OPENED, author=staff,
                             detail=f"channel {channel}")
        first = Reply.objects.create(ticket=ticket, at=opened, public=True, body=body.strip(), staff=staff,
                                     contact=person,
                                     author_name=(person.name if person else staff.name if staff else ""))
        _attach(first, files)
        sla_refresh(ticket)
    return ticket


def _asset_of(customer: Customer, key: str | None) -> Asset | None:
    if not key:
        return None
    asset = Asset.objects.filter(key=key, customer=customer).first()
    if asset is None:  # another customer's is as unknown as a missing one: whoever asks learns nothing of it
        raise Invalid("asset", f"customer {customer.key!r} has no asset {key!r}")
    return asset


def _contact_of(customer: Customer, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None or contact.customer_id != customer.pk:
        raise Invalid("contact", f"customer {customer.key!r} has no contact {contact_id}")
    return contact


def _check_files(files: Sequence[Upload]) -> None:
    """TooMany or TooLarge (``custode.tickets.uploads``) before anything is written."""
    uploads_check(files, max_size=settings.PORTAL_MAX_ATTACHMENT, max_files=settings.PORTAL_MAX_FILES)


def _attach(reply: Reply, files: Sequence[Upload]) -> None:
    Attachment.objects.bulk_create([
        Attachment(reply=reply, name=safe_name(f.name), content_type=f.content_type[:100] or "application/octet-stream",
                   size=len(f.data), data=f.data) for f in files])


def next_number() -> int:
    """The next ticket number, under a lock on the provider row so two new tickets never share one."""
    Provider.get()
    Provider.objects.select_for_update().filter(pk=1).exists()
    last = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
    return (last or 1000) + 1


def ticket_reply(*, ticket: Ticket, body: str, public: bool = True, staff: StaffProfile | None = None,
                 contact: Contact | None = None, files: Sequence[Upload] = (),
                 now: dt.datetime | None = None) -> Reply:
    """A message on TICKET's thread, with FILES attached. A public staff reply is the first response; the
    customer writing to a ticket that waits on them, or stands resolved, opens it again and restarts the clock."""
    now = now or timezone.now()
    if not body.strip():
        raise Invalid("body", "write the reply")
    _check_files(files)
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status == Status.CLOSED:
            raise Invalid("ticket", f"ticket #{ticket.number} is closed; open a new one")
        reply = Reply.objects.create(ticket=ticket, at=now, public=public, body=body.strip(), staff=staff,
                                     contact=contact, author_name=staff.name if staff else contact.name if contact else "")
        _attach(reply, files)
        if staff is not None and public and ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.save(update_fields=["first_response_at"])
            Event.objects.create(ticket=ticket, at=now, kind=Event.Kind.RESPONDED, author=staff)
        if staff is None and ticket.status in STOPPED:
            _move(ticket, Status.OPEN, None, now)
        sla_refresh(ticket)
        if staff is not None and public:
            _mail_reply(ticket, reply)
    return reply


def _mail_reply(ticket: Ticket, reply: Reply) -> None:
    """E-mail a public staff REPLY to TICKET's contact through the outbox, and remember its Message-ID so the
    customer's answer threads back onto TICKET."""
    mails = messages.reply_mail(ticket, reply)
    if mails:
        reply.message_id = mails[0].headers["Message-ID"]
        reply.save(update_fields=["message_id"])
        outbox_enqueue(messages=mails)


def ticket_set_status(*, ticket: Ticket, status: str, staff: StaffProfile | None = None,
                      now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    if status not in Status.values:
        raise Invalid("status", f"must be one of {', '.join(Status.values)}, not {status!r}")
    with transaction.atomic():
        ticket = _locked(ticket)
        if status != ticket.status:
            if status not in MOVES[ticket.status]:
                raise Invalid("status", f"ticket #{ticket.number} is {ticket.status}; it cannot become {status}")
            _move(ticket, status, staff, now)
            sla_refresh(ticket)
    return ticket


def _move(ticket: Ticket, status: str, staff: StaffProfile | None, now: dt.datetime) -> None:
    was = ticket.status
    Event.objects.create(ticket=ticket, at=now, kind=Event.Kind.STATUS, author=staff, detail=f"{was} → {status}")
    if was not in STOPPED and status in STOPPED:
        Event.objects.create(ticket=ticket, at=now, kind=Event.Kind.PAUSED, author=staff, detail=status)
    elif was in STOPPED and status not in STOPPED:
        Event.objects.create(ticket=ticket, at=now, kind=Event.Kind.RESUMED, author=staff, detail=status)
    ticket.status = status
    ticket.resolved_at = now if status == Status.RESOLVED else None if status == Status.OPEN else ticket.resolved_at
    ticket.closed_at = now if status == Status.CLOSED else None
    ticket.save(update_fields=["status", "resolved_at", "closed_at"])


def ticket_assign(*, ticket: Ticket, assignee: StaffProfile | None, staff: StaffProfile | None = None,
                  now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee"])
        Event.objects.create(ticket=ticket, at=now, kind=Event.Kind.ASSIGNED, author=staff,
                             detail=assignee.name if assignee else "")
    return ticket


KEEP = object()  # ticket_change's "leave the assignee as it is"


def ticket_change(*, ticket: Ticket, status: str | None = None, assignee: StaffProfile | None | object = KEEP,
                  staff: StaffProfile | None = None, now: dt.datetime | None = None) -> Ticket:
    """A new status and assignee together, or neither: a status the ticket cannot take leaves its assignee."""
    with transaction.atomic():
        if status is not None:
            ticket = ticket_set_status(ticket=ticket, status=status, staff=staff, now=now)
        if assignee is not KEEP and assignee != ticket.assignee:
            ticket = ticket_assign(ticket=ticket, assignee=assignee, staff=staff, now=now)
    return ticket


def ticket_log_time(*, ticket: Ticket, minutes: int, note: str = "", staff: StaffProfile | None = None,
                    now: dt.datetime | None = None) -> TimeEntry:
    """Time spent on TICKET, drawn from its customer's hours bank; staff are told when the month's hours run low."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise Invalid("minutes", f"must be a whole number of minutes from 1 to {MAX_MINUTES}")
    with transaction.atomic():
        entry = TimeEntry.objects.create(ticket=ticket, staff=staff, at=now or timezone.now(), minutes=minutes,
                                         note=note.strip()[:300])
        hours.hours_alarm(customer_id=ticket.customer_id, at=entry.at)
    return entry


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).select_related("customer__plan", "asset").get(pk=ticket.pk)


# -- the clock -------------------------------------------------------------------------------------------


def terms_of(ticket: Ticket, timezone_name: str | None = None) -> sla.Terms:
    tz = timezone_name or Provider.get().timezone
    return sla.terms_for(ticket.customer.plan, ticket.asset.kind if ticket.asset else None, tz)


CLOCK_EVENTS = (Event.Kind.PAUSED, Event.Kind.RESUMED)


def sla_of(ticket: Ticket, *, now: dt.datetime | None = None, terms: sla.Terms | None = None) -> sla.Sla | None:
    """TICKET's SLA at NOW as its plan says now: from the figures stored on it when they were computed from
    the terms in force (TERMS, when the caller has them), else worked out from its event log."""
    terms = terms or terms_of(ticket)
    now = now or timezone.now()
    if ticket.sla_basis == terms.basis:
        clock = stored_figures(ticket)
    else:
        clock = _figures(terms, ticket)
    return None if clock is None else clock.at(now)


def stored_figures(ticket: Ticket) -> sla.Figures | None:
    if not ticket.sla_state:
        return None
    return sla.Figures(ticket.first_response_due, ticket.resolution_due, ticket.first_response_warn,
                       ticket.resolution_warn, ticket.first_response_at, ticket.resolved_at, ticket.paused_seconds,
                       ticket.paused_since, ticket.sla_state)


def _figures(terms: sla.Terms, ticket: Ticket) -> sla.Figures | None:
    """TICKET's figures under TERMS, from its event log."""
    events = ticket.events.filter(kind__in=CLOCK_EVENTS).values_list("kind", "at")
    return sla.figures(terms, opened_at=ticket.opened_at, first_response_at=ticket.first_response_at,
                       resolved_at=ticket.resolved_at, paused=sla.pauses(events))


SLA_FIELDS = ["first_response_due", "resolution_due", "first_response_warn", "resolution_warn", "paused_seconds",
              "paused_since", "sla_state", "next_due", "sla_basis", "next_alarm"]


def _sla_values(figures: sla.Figures | None, *, basis: str, status: str, alarms_sent: list[str]) -> dict:
    """The SLA_FIELDS of a ticket in STATUS whose clock comes to FIGURES (None: no promise) under terms of BASIS,
    ALARMS_SENT already written."""
    if figures is None:
        return {**dict.fromkeys(SLA_FIELDS), "paused_seconds": 0.0, "sla_state": "", "sla_basis": basis}
    pending = [at for name, at in figures.alarms() if name not in alarms_sent]
    return {"first_response_due": figures.first_response_due, "resolution_due": figures.resolution_due,
            "first_response_warn": figures.first_response_warn, "resolution_warn": figures.resolution_warn,
            "paused_seconds": figures.paused_seconds, "paused_since": figures.paused_since,
            "sla_state": figures.state, "next_due": figures.next_due, "sla_basis": basis,
            "next_alarm": min(pending, default=None) if status == Status.OPEN else None}


def sla_refresh(ticket: Ticket, *, terms: sla.Terms | None = None) -> None:
    """Store TICKET's SLA figures as its plan and its event log say now, for the queue to sort by and the pages
    to read. Called in the transaction of every change to its clock (opened, replied, paused, resumed)."""
    terms = terms or terms_of(ticket)
    values = _sla_values(_figures(terms, ticket), basis=terms.basis, status=ticket.status,
                         alarms_sent=ticket.alarms_sent)
    for name, value in values.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=SLA_FIELDS)


def sla_refresh_stale(*, chunk: int = 2000) -> int:
    """Recompute the tickets not closed whose plan, holidays, targets or asset kind changed since their figures
    were stored (however the change was made: a form, the API, a config file), and any ticket never computed.
    Returns how many. Each plan's terms are worked out once, each ticket's events read with its chunk's in one
    query, and the figures written with one prepared statement a chunk."""
    tz = Provider.get().timezone
    plans = {plan.pk: plan for plan in Plan.objects.all()}
    terms: dict[tuple, sla.Terms] = {}
    stale: list[tuple[int, sla.Terms]] = []
    rows = Ticket.objects.exclude(status=Status.CLOSED, sla_basis__gt="").values_list(
        "id", "sla_basis", "customer__plan_id", "asset__kind")
    for pk, basis, plan_id, kind in rows.iterator(chunk_size=chunk):
        key = (plan_id, kind)
        if key not in terms:
            terms[key] = sla.terms_for(plans.get(plan_id), kind, tz)
        if basis != terms[key].basis:
            stale.append((pk, terms[key]))
    for start in range(0, len(stale), chunk):
        part = dict(stale[start:start + chunk])
        events: dict[int, list] = {pk: [] for pk in part}
        for pk, kind, at in (Event.objects.filter(ticket__in=part, kind__in=CLOCK_EVENTS).order_by("at", "id")
                             .values_list("ticket_id", "kind", "at")):
            events[pk].append((kind, at))
        values = []
        for pk, opened_at, first_response_at, resolved_at, status, alarms_sent in (
                Ticket.objects.filter(pk__in=part).values_list("id", "opened_at", "first_response_at", "resolved_at",
                                                               "status", "alarms_sent")):
            clock = sla.figures(part[pk], opened_at=opened_at, first_response_at=first_response_at,
                                resolved_at=resolved_at, paused=sla.pauses(events[pk]))
            values.append((pk, _sla_values(clock, basis=part[pk].basis, status=status, alarms_sent=alarms_sent)))
        _store_sla(values)
    return len(stale)


def _store_sla(values: list[tuple[int, dict]]) -> None:
    """Write the SLA_FIELDS VALUES of tickets (id, {field: value}) with one prepared UPDATE run for each row:
    bulk_update's CASE of every row for every field takes longer to build than the database takes to run it,
    at thousands of tickets."""
    fields = [Ticket._meta.get_field(name) for name in SLA_FIELDS]
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it costs a lookup for every value prepared
    quote = db.ops.quote_name
    sql = (f"UPDATE {quote(Ticket._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
           f"WHERE {quote(Ticket._meta.pk.column)} = %s")
    prepare = [db.ops.adapt_datetimefield_value if isinstance(f, models.DateTimeField)  # our own aware instants
               else partial(f.get_db_prep_save, connection=db) for f in fields]
    rows = [[prep(row[f.name]) for f, prep in zip(fields, prepare)] + [pk] for pk, row in values]
    with transaction.atomic(), db.cursor() as cursor:
        cursor.executemany(sql, rows)


# -- warnings ----------------------------------------------------------------------------------------------


def sla_warn(*, now: dt.datetime | None = None, batch: int = 50) -> int:
    """Write the warnings that have come due (75 % of a target, then its breach), each once per ticket, to the
    assignee, else the on-call staff member, else everyone on staff; in the transaction that records them as
    sent, so a crash repeats nothing and loses nothing. Returns how many tickets were handled."""
    now = now or timezone.now()
    due = list(Ticket.objects.filter(status=Status.OPEN, next_alarm__lte=now).order_by("next_alarm")
               .values_list("pk", flat=True)[:batch])
    for pk in due:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(of=("self",)).select_related("customer__plan", "asset", "assignee").get(pk=pk)
            clock = sla_of(ticket, now=now)
            fired = [name for name, at in (clock.alarms() if clock else [])
                     if at <= now and name not in ticket.alarms_sent]
            if fired:
                outbox_enqueue(messages=messages.sla_warning(ticket, fired[-1], clock))
                ticket.alarms_sent = [*ticket.alarms_sent, *fired]
                ticket.save(update_fields=["alarms_sent"])
            sla_refresh(ticket)
    return len(due)
