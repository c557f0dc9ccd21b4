"""Reading tickets: the queue in SLA order, a ticket as the API and the pages show it, the hours bank."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from custode.directory.models import Customer, Provider, StaffProfile
from custode.lib.changes import NotFound
from custode.tickets import hours, services
from custode.tickets.models import Reply, Status, Ticket, TimeEntry


def ticket_rows() -> QuerySet[Ticket]:
    minutes = (TimeEntry.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket")
               .annotate(total=Sum("minutes")).values("total"))
    return (Ticket.objects.select_related("customer__plan", "asset", "assignee__user")
            .prefetch_related("events")
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


def ticket_out(ticket: Ticket, *, thread: bool = False, now: dt.datetime | None = None) -> dict:
    clock = services.sla_of(ticket, now=now)
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
