"""/api/v1/tickets: the service desk, with each ticket's SLA clock; /api/v1/customers/<id>/hours: the hours bank.

Routes are thin: the rules are in ``custode.tickets.services``.
"""

from __future__ import annotations

import datetime as dt
from typing import List, Literal, Optional

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from custode.api import scope
from custode.api.crud import LIST_HELP, Page
from custode.api.errors import Id, InvalidQuery, ObjectIn, Router
from custode.lib.changes import Invalid, NotFound
from custode.tickets import selectors, services
from custode.tickets.models import Channel, Status as TicketStatus, Ticket

tickets = Router(tags=["tickets"])


class SlaOut(Schema):
    first_response_due: Optional[dt.datetime] = Field(description="null once paused before it, or with no target")
    resolution_due: Optional[dt.datetime]
    first_response_at: Optional[dt.datetime]
    paused_seconds: float = Field(description="time the clock stood still: waiting on the customer, or resolved")
    state: Literal["running", "paused", "warning", "breached", "met"]


class TicketOut(Schema):
    id: int
    number: int
    customer: str
    contact: Optional[int]
    asset: Optional[str]
    subject: str
    priority: str
    channel: str
    status: str
    assignee: Optional[str] = Field(description="the assigned staff member's username")
    opened_at: dt.datetime
    resolved_at: Optional[dt.datetime]
    closed_at: Optional[dt.datetime]
    sla: Optional[SlaOut] = Field(description="null when the customer's plan promises no response or resolution time")
    minutes: int = Field(description="time logged on it")


class ReplyOut(Schema):
    id: int
    at: dt.datetime
    public: bool
    body: str
    author: str


class TicketDetail(TicketOut):
    replies: List[ReplyOut]


class TicketPage(Schema):
    count: Optional[int] = Field(description="tickets that match, on the first page (no `after`) only")
    limit: int
    offset: int
    next: Optional[str] = Field(description="the URL of the following page; null on the last")
    items: List[TicketOut]


class TicketIn(ObjectIn):
    customer: str = Field(description="the customer's id")
    subject: str = Field(max_length=200)
    body: str = Field(description="the request, as the customer put it")
    asset: Optional[str] = Field(default=None, description="one of the customer's assets: its kind picks the targets")
    contact: Optional[Id] = Field(default=None, description="the id of one of the customer's contacts")
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    channel: Literal["portal", "email", "api", "phone", "incident"] = "api"
    opened_at: Optional[dt.datetime] = Field(default=None, description="only to import history from another desk; "
                                                                        "never in the future")


class TicketPatch(ObjectIn):
    status: Optional[Literal["open", "waiting", "resolved", "closed"]] = None
    assignee: Optional[str] = Field(default=None, description="a staff username; empty string to unassign")


class ReplyIn(ObjectIn):
    body: str
    public: bool = Field(default=True, description="public replies reach the customer; the first is the first response")


class TimeIn(ObjectIn):
    minutes: int = Field(ge=1, le=services.MAX_MINUTES)
    note: str = Field(default="", max_length=300)


class TimeOut(Schema):
    id: int
    minutes: int
    note: str
    at: dt.datetime


class TicketFilters(Schema):
    customer: Optional[str] = Field(default=None, description="a customer's id")
    status: Optional[str] = Field(default=None, description=f"one of {', '.join(TicketStatus.values)}")
    channel: Optional[str] = Field(default=None, description=f"one of {', '.join(Channel.values)}")


def _staff(request: HttpRequest):
    return getattr(request.auth.user, "staff", None)


def _ticket(ticket_id: int, request: HttpRequest) -> Ticket:
    ticket = scope.limit(selectors.ticket_rows(), request, "customer_id").filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound("ticket", str(ticket_id))
    return ticket


@tickets.post("", response={201: TicketOut}, operation_id="tickets_create", summary="Open a ticket")
def ticket_create(request: HttpRequest, payload: TicketIn):
    limited = scope.customer_of(request)
    if limited is not None and payload.customer != limited.key:
        raise scope.OutOfScope(f"this token is limited to customer {limited.key!r}")
    ticket = services.ticket_open(staff=_staff(request), **payload.dict())
    return Status(201, selectors.ticket_out(_ticket(ticket.pk, request)))


@tickets.get("", response={200: TicketPage}, operation_id="tickets_list",
             summary="The queue: breached and nearest due first, then those without a clock", description=LIST_HELP)
def ticket_list(request: HttpRequest, page: Query[Page], where: Query[TicketFilters]):
    for name, allowed in (("status", TicketStatus.values), ("channel", Channel.values)):
        value = getattr(where, name)
        if value is not None and value not in allowed:
            raise InvalidQuery(name, f"unknown {name} {value!r}; one of {', '.join(allowed)}")
    rows = scope.limit(selectors.queue(customer=where.customer, status=where.status, channel=where.channel),
                       request, "customer_id")
    if page.offset and page.after is not None:
        raise InvalidQuery("offset", "give either offset or after, not both")
    if page.offset:  # the first pages only (crud.MAX_OFFSET): the database reads every row skipped
        ids = list(rows.values_list("pk", flat=True)[page.offset: page.offset + page.limit + 1])
        more, found = len(ids) > page.limit, rows.in_bulk(ids[:page.limit])
        items = [found[pk] for pk in ids[:page.limit] if pk in found]
    else:
        window = selectors.queue_page(rows, page.limit, after=_after(page.after, request))
        more, items = window.has_next, window.rows
    return {"count": rows.count() if page.after is None else None, "limit": page.limit, "offset": page.offset,
            "next": _next_url(request, items[-1]) if more and items else None,
            "items": selectors.tickets_out(items)}


def _after(after: str | None, request: HttpRequest) -> int | None:
    """The number of the ticket whose id AFTER names (the last of the previous page), for ``queue_page``; one
    the token may not see is as unknown as a missing one."""
    if after is None:
        return None
    mine = scope.limit(Ticket.objects.all(), request, "customer_id")
    number = (mine.filter(pk=int(after)).values_list("number", flat=True).first()
              if after.isdigit() and len(after) < 19 else None)
    if number is None:
        raise InvalidQuery("after", f"{after!r} is not the id of a ticket; follow `next`, or leave it out to start "
                                    "from the first page")
    return number


def _next_url(request: HttpRequest, last: Ticket) -> str:
    query = request.GET.copy()
    query["after"] = str(last.pk)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@tickets.get("/{ticket_id}", response={200: TicketDetail}, operation_id="tickets_read",
             summary="A ticket and its thread")
def ticket_read(request: HttpRequest, ticket_id: Id):
    out = selectors.ticket_out(_ticket(ticket_id, request), thread=True)
    if scope.customer_of(request) is not None:
        out["replies"] = [r for r in out["replies"] if r["public"]]
    return out


@tickets.patch("/{ticket_id}", response={200: TicketOut}, operation_id="tickets_patch",
               summary="Change a ticket's status (waiting stops the clock) or assignee")
def ticket_patch(request: HttpRequest, ticket_id: Id, payload: TicketPatch):
    ticket = _ticket(ticket_id, request)
    fields = payload.dict(exclude_unset=True)
    assignee = services.KEEP
    if "assignee" in fields:
        assignee = selectors.staff_named(fields["assignee"]) if fields["assignee"] else None
        if fields["assignee"] and assignee is None:
            raise Invalid("assignee", f"no staff member has the username {fields['assignee']!r}")
    services.ticket_change(ticket=ticket, status=fields.get("status") or None, assignee=assignee,
                           staff=_staff(request))
    return selectors.ticket_out(_ticket(ticket_id, request))


@tickets.post("/{ticket_id}/replies", response={201: ReplyOut}, operation_id="tickets_reply",
              summary="Reply on a ticket: public (the first is the first response) or internal")
def ticket_reply(request: HttpRequest, ticket_id: Id, payload: ReplyIn):
    reply = services.ticket_reply(ticket=_ticket(ticket_id, request), body=payload.body, public=payload.public,
                                  staff=_staff(request))
    return Status(201, selectors.reply_out(reply))


@tickets.post("/{ticket_id}/time", response={201: TimeOut}, operation_id="tickets_time",
              summary="Log time spent on a ticket (drawn from the customer's monthly hours)")
def ticket_time(request: HttpRequest, ticket_id: Id, payload: TimeIn):
    entry = services.ticket_log_time(ticket=_ticket(ticket_id, request), minutes=payload.minutes, note=payload.note,
                                     staff=_staff(request))
    return Status(201, {"id": entry.pk, "minutes": entry.minutes, "note": entry.note, "at": entry.at})


class HoursOut(Schema):
    month: str
    included_minutes: int
    used_minutes: int
    balance_minutes: int


class MonthQuery(Schema):
    month: Optional[str] = Field(default=None, description="YYYY-MM, in the provider's timezone; default this month")


def customer_hours(request: HttpRequest, key: str, query: Query[MonthQuery]):
    limited = scope.customer_of(request)
    if limited is not None and key != limited.key:
        raise NotFound("customer", key)
    try:
        month = selectors.month_of(query.month)
    except ValueError as e:
        raise InvalidQuery("month", str(e)) from None
    return selectors.hours_of(key, month)
