"""Reading tickets: the queue in SLA order, a ticket as the API and the pages show it, the hours bank."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from custode.directory.models import Customer, Provider, StaffProfile
from custode.lib.changes import Invalid, NotFound
from custode.lib.keyset import Window, beyond, descending, window
from custode.tickets import hours, services, sla
from custode.tickets.models import Reply, Status, Ticket, TimeEntry


def ticket_rows() -> QuerySet[Ticket]:
    minutes = (TimeEntry.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket")
               .annotate(total=Sum("minutes")).values("total"))
    return (Ticket.objects.select_related("customer__plan", "asset", "assignee__user")
            .annotate(minutes=Coalesce(Subquery(minutes, output_field=IntegerField()), Value(0))))


def queue(*, customer: str | None = None, status: str | None = None, channel: str | None = None) -> QuerySet[Ticket]:
    """Tickets by urgency: the earliest due time not yet met first (breached ones are the earliest), then
    those whose clock is paused, met or absent, newest number last."""
    rows = ticket_rows()
    if customer:
        rows = rows.filter(customer__key=customer)
    if status:
        rows = rows.filter(status=status)
    if channel:
        rows = rows.filter(channel=channel)
    return rows.order_by(F("next_due").asc(nulls_last=True), "number")


QUEUE_ORDER = ("next_due", "number")  # then, after every ticket with a due time, those without one by number


def queue_page(rows: QuerySet[Ticket], size: int, *, after: int | None = None, before: int | None = None,
               last: bool = False) -> Window:
    """SIZE tickets of ROWS (``queue``) in the queue's order: the first ones, those AFTER or BEFORE the ticket
    with that number, or the LAST ones; found by key, never by skipping rows. Invalid naming AFTER or BEFORE for an unknown number."""
    key = {name: _queue_key(number, name) for name, number in (("after", after), ("before", before))
           if number is not None}
    return window(rows, QUEUE_ORDER, size, last=last, seeker=_due_walk, **key)


def _queue_key(number: int, name: str) -> tuple:
    key = Ticket.objects.filter(number=number).values_list(*QUEUE_ORDER).first()
    if key is None:
        raise Invalid(name, f"there is no ticket {number}; follow the page links, or leave {name} out for the first page")
    return key


def _due_walk(rows, order, limit: int, *, key=None, backwards: bool = False) -> list[int]:
    """The ids of LIMIT rows after (BACKWARDS: before) KEY in the queue's order, which no single index gives
    because of the tickets without a due time (NULL, last): those with a due time in (next_due, number) order
    from the index on those columns, then those without by number, each part a query that reads about as
    many rows as it returns."""
    due, rest = rows.filter(next_due__isnull=False), rows.filter(next_due__isnull=True)
    if key is not None and key[0] is None:  # KEY is a ticket without a due time
        due = due if backwards else due.none()
        rest = rest.filter(number__lt=key[1]) if backwards else rest.filter(number__gt=key[1])
    elif key is not None:
        due = due.filter(beyond(QUEUE_ORDER, key, after=not backwards))
        rest = rest.none() if backwards else rest
    parts = [(rest, ["-number"]), (due, descending(QUEUE_ORDER))] if backwards else [(due, QUEUE_ORDER), (rest, ["number"])]
    ids: list[int] = []
    for part, ordering in parts:
        if len(ids) < limit:
            ids += part.order_by(*ordering).values_list("pk", flat=True)[:limit - len(ids)]
    return ids


def clocks(tickets: list[Ticket], *, now: dt.datetime | None = None) -> list[sla.Sla | None]:
    """The SLA of each of TICKETS at NOW (read with ``ticket_rows``), from the figures stored on them: the
    provider's timezone read once and each plan's terms for an asset kind worked out once, not once a ticket,
    to tell the figures still in force from those a plan change has not yet recomputed (worked out live)."""
    if not tickets:
        return []
    tz, terms, out = Provider.get().timezone, {}, []
    for ticket in tickets:
        key = (ticket.customer.plan_id, ticket.asset.kind if ticket.asset else None)
        if key not in terms:
            terms[key] = sla.terms_for(ticket.customer.plan, key[1], tz)
        out.append(services.sla_of(ticket, now=now, terms=terms[key]))
    return out


def tickets_out(tickets: list[Ticket]) -> list[dict]:
    return [ticket_out(t, clock=clock) for t, clock in zip(tickets, clocks(tickets))]


_COMPUTE = object()


def ticket_out(ticket: Ticket, *, thread: bool = False, now: dt.datetime | None = None, clock=_COMPUTE) -> dict:
    """TICKET as the API shows it; CLOCK, when the caller has it (``clocks``), saves working it out again."""
    clock = services.sla_of(ticket, now=now) if clock is _COMPUTE else clock
    out = {
        "id": ticket.pk, "number": ticket.number, "customer": ticket.customer.key, "contact": ticket.contact_id,
        "asset": ticket.asset.key if ticket.asset else None, "subject": ticket.subject,
        "priority": ticket.priority, "channel": ticket.channel, "status": ticket.status,
        "assignee": ticket.assignee.user.username if ticket.assignee else None,
        "opened_at": ticket.opened_at, "resolved_at": ticket.resolved_at, "closed_at": ticket.closed_at,
        "sla": None if clock is None else {
            "first_response_due": clock.first_response_due, "resolution_due": clock.resolution_due,
            "first_response_at": clock.first_response_at, "paused_seconds": clock.paused_seconds,
            "state": clock.state},
        "minutes": getattr(ticket, "minutes", None) or 0,
    }
    if thread:
        out["replies"] = [reply_out(r) for r in ticket.replies.all()]
    return out


def reply_out(reply: Reply) -> dict:
    return {"id": reply.pk, "at": reply.at, "public": reply.public, "body": reply.body, "author": reply.author_name}


def staff_named(username: str) -> StaffProfile | None:
    return StaffProfile.objects.filter(user__username=username, user__is_active=True).first()


def month_of(text: str | None) -> dt.date:
    """'2026-12' as the first day of that month; this month (in the provider's timezone) when TEXT is None."""
    if text is None:
        return timezone.now().astimezone(ZoneInfo(Provider.get().timezone)).date().replace(day=1)
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"must be a month like 2026-12, not {text!r}") from None


def hours_of(customer_key: str, month: dt.date) -> dict:
    """The hours bank of a customer for MONTH: what the plan includes, what time entries used, what is left."""
    customer = Customer.objects.select_related("plan").filter(key=customer_key).first()
    if customer is None:
        raise NotFound("customer", customer_key)
    return hours.bank(customer, month).out()


CUSTOMER_TICKETS_SHOWN = 20


def customer_tickets(customer_key: str, *, limit: int = CUSTOMER_TICKETS_SHOWN) -> list[Ticket]:
    """The customer's tickets for their page: those not closed first, by SLA urgency, then the latest closed."""
    live = list(queue(customer=customer_key).exclude(status=Status.CLOSED)[:limit])
    if len(live) < limit:
        live += list(ticket_rows().filter(customer__key=customer_key, status=Status.CLOSED)
                     .order_by("-number")[:limit - len(live)])
    return live
