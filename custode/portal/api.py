"""/api/v1/callbacks: the free slots of the next days, and booking one (a phone ticket assigned to the slot's
staff member). Thin: the rules are in ``custode.portal.callbacks``."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from custode.api import scope
from custode.api.errors import Conflict, ErrorOut, Id, ObjectIn, Router
from custode.api.tickets import TicketOut
from custode.portal import callbacks as calls
from custode.tickets import selectors

callbacks = Router(tags=["callbacks"])


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime


class SlotsOut(Schema):
    slot_minutes: int = Field(description="provider.callback_slot")
    items: List[SlotOut] = Field(description="free slots, earliest first")


class SlotsQuery(Schema):
    days: int = Field(default=7, ge=1, le=calls.MAX_DAYS, description="how many days ahead, from now")


class CallbackIn(ObjectIn):
    customer: str = Field(description="the customer's id")
    phone: str = Field(max_length=40, description="the number to call")
    start: dt.datetime = Field(description="one of the free slots' start, with its offset")
    topic: str = Field(max_length=200, description="what the call is about: the ticket's subject")
    contact: Optional[Id] = Field(default=None, description="the id of one of the customer's contacts")


class CallbackOut(Schema):
    id: int
    customer: str
    contact: Optional[int]
    staff: str = Field(description="the username of the staff member who calls")
    start: dt.datetime
    end: dt.datetime
    phone: str
    topic: str
    ticket: TicketOut


@callbacks.get("/slots", response={200: SlotsOut}, operation_id="callbacks_slots", summary="Free callback slots")
def slots(request: HttpRequest, where: Query[SlotsQuery]):
    free = calls.free_slots(days=where.days)
    return {"slot_minutes": int(calls.slot_length().total_seconds() // 60),
            "items": [{"start": s.start, "end": s.end} for s in free]}


@callbacks.post("", response={201: CallbackOut, 409: ErrorOut}, operation_id="callbacks_book",
                summary="Book a callback: a phone ticket assigned to the slot's staff member; a taken or unknown slot is 409")
def book(request: HttpRequest, payload: CallbackIn):
    limited = scope.customer_of(request)
    if limited is not None and payload.customer != limited.key:
        raise scope.OutOfScope(f"this token is limited to customer {limited.key!r}")
    try:
        booked = calls.callback_book(**payload.dict())
    except calls.SlotTaken as taken:
        raise Conflict(str(taken)) from None
    ticket = selectors.ticket_rows().get(pk=booked.ticket_id)
    return Status(201, {"id": booked.pk, "customer": booked.customer.key, "contact": booked.contact_id,
                        "staff": booked.staff.user.username, "start": booked.start, "end": booked.end,
                        "phone": booked.phone, "topic": booked.topic, "ticket": selectors.ticket_out(ticket)})
