"""/api/v1/incidents and /api/v1/messages: incidents with their timeline, the writes staff make on them
(update, reassign, resolve), and the delivery log. Every write goes through ``custode.incidents.services``.

No ``from __future__ import annotations`` here: ninja reads the schemas from the annotations at definition time.
"""

import datetime as dt
from dataclasses import replace
from typing import List, Literal, Optional

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from custode.api import scope
from custode.api.crud import OffsetPage
from custode.api.errors import Conflict, ErrorOut, Id, InvalidQuery, ObjectIn, Router
from custode.api.resources import can_write
from custode.directory.models import Customer, Provider
from custode.incidents import services
from custode.incidents.contexts import update_text
from custode.incidents.models import Incident, Status as IncidentStatus, Update
from custode.incidents.selectors import incident_detail
from custode.lib.changes import Invalid, NotFound
from custode.lib.notify_targets import redacted
from custode.notify import services as notify_services
from custode.notify.models import Channel, Message
from custode.notify.selectors import delivery_log, staff_alerted, unalerted_incidents
from custode.web.selectors import INCIDENT_STATUS_FILTERS, incident_rows, staff_by_username

StatusName = Literal["investigating", "identified", "monitoring", "resolved"]
TemplateName = Literal["", "investigating", "identified", "monitoring", "resolved"]
LanguageName = Literal["", "it", "en", "es"]


CONFLICT = {409: ErrorOut}  # the incident is resolved, or a message is not held


class CustomerRef(Schema):
    id: str
    name: str


class AffectedOut(CustomerRef):
    started_at: dt.datetime
    resolved_at: Optional[dt.datetime]
    notified_at: Optional[dt.datetime] = Field(description="when this customer was told of the opening")
    duration_seconds: Optional[float] = Field(description="this customer's outage, once resolved")


class AssetOut(Schema):
    id: str
    name: str
    kind: str
    customer: Optional[str]


class MonitorOut(Schema):
    id: str
    asset: str
    type: str
    state: str
    last_reason: str


class UpdateOut(Schema):
    id: int
    at: dt.datetime
    status: str
    public: bool
    author: Optional[str] = Field(description="the author's username")
    author_name: str = Field(description="the author's name, as signed at the time")
    template: str
    message: str
    language: str
    text: str = Field(description="what the update says in its language: the message, or the template's stock text")


class IncidentSummary(Schema):
    id: int
    title: str
    severity: str
    status: str
    owner: Optional[str] = Field(description="the owner's username")
    owner_name: Optional[str]
    root_asset: Optional[str]
    opened_at: dt.datetime
    resolved_at: Optional[dt.datetime]
    confirmed_at: Optional[dt.datetime] = Field(description="when staff and customers were first told; null while held")
    merged_into: Optional[int]
    customers: List[CustomerRef]
    monitor_count: int
    staff_alerted: Optional[bool] = Field(
        description="false when staff were told of it yet no alert reached anyone (nobody to tell, or every staff "
                    "message of its opening failed, is held or was discarded); null while not yet told")


class IncidentOut(IncidentSummary):
    affected: List[AffectedOut]
    assets: List[AssetOut]
    monitors: List[MonitorOut]
    updates: List[UpdateOut]


class IncidentPage(Schema):
    count: int
    limit: int
    offset: int
    items: List[IncidentSummary]


class MessageOut(Schema):
    id: int
    topic: str
    audience: str
    customer: Optional[str]
    channel: str
    recipient: str
    recipient_name: str
    language: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    sent_at: Optional[dt.datetime]


class MessagePage(Schema):
    count: int
    limit: int
    offset: int
    items: List[MessageOut]


class HeldFilter(ObjectIn):
    channel: Optional[Literal["email", "apprise", "webhook"]] = None
    customer: Optional[str] = Field(default=None, description="a customer's id")
    topic: Optional[str] = Field(default=None, description="what the messages are about, e.g. incident:12")


class DecisionIn(ObjectIn):
    ids: Optional[List[Id]] = Field(default=None, description="the held messages to decide on")
    filter: Optional[HeldFilter] = Field(default=None, description="instead of ids: every held message matching "
                                                                   "it ({} for all)")


class DecisionOut(Schema):
    count: int
    ids: List[int]


class UpdateIn(ObjectIn):
    status: StatusName
    message: str = Field(default="", max_length=5000, description="may be empty when a template is given")
    public: bool = Field(default=True,
                         description="public updates reach the affected customers; internal ones staff only")
    template: TemplateName = Field(default="", description="a stock text, sent to each reader in their language")
    language: LanguageName = Field(default="", description="the message's language (default: the author's)")


class ReassignIn(ObjectIn):
    owner: str = Field(description="a staff member's username")


class ResolveIn(ObjectIn):
    message: str = Field(default="", max_length=5000)
    language: LanguageName = ""


class IncidentFilters(Schema):
    status: Optional[str] = Field(default=None, description=f"one of {', '.join(INCIDENT_STATUS_FILTERS)}")
    customer: Optional[str] = Field(default=None, description="a customer's id")


class MessageFilters(Schema):
    status: Optional[str] = Field(default=None, description=f"one of {', '.join(Message.Status.values)}")
    channel: Optional[str] = Field(default=None, description=f"one of {', '.join(Channel.values)}")
    customer: Optional[str] = Field(default=None, description="a customer's id")


def _customer(key: Optional[str], request: HttpRequest) -> Optional[Customer]:
    """The customer a filter names, among those the token may see: another's is as unknown as a missing one."""
    if not key:
        return None
    customer = scope.limit(Customer.objects.all(), request, "pk").filter(key=key).first()
    if customer is None:
        raise InvalidQuery("customer", f"unknown customer {key!r}")
    return customer


def _summary(incident: Incident, customers: list, alerted: Optional[bool]) -> dict:
    return {
        "id": incident.pk, "title": incident.title, "severity": incident.severity, "status": incident.status,
        "owner": incident.owner.user.username if incident.owner else None,
        "owner_name": incident.owner.name if incident.owner else None,
        "root_asset": incident.root_asset.key if incident.root_asset else None,
        "opened_at": incident.opened_at, "resolved_at": incident.resolved_at, "confirmed_at": incident.confirmed_at,
        "merged_into": incident.merged_into_id,
        "customers": [{"id": row.customer.key, "name": row.customer.name} for row in customers],
        "staff_alerted": alerted,
    }


def _update(update: Update, reader: str) -> dict:
    return {
        "id": update.pk, "at": update.at, "status": update.status, "public": update.public,
        "author": update.author.user.username if update.author else None, "author_name": update.author_name,
        "template": update.template, "message": update.message, "language": update.language,
        "text": update_text(update, update.language or reader),
    }


def _detail(incident_id: int, request: HttpRequest) -> dict:
    detail, reader = _seen(incident_detail(incident_id), scope.customer_of(request)), Provider.get().language
    return {
        **_summary(detail.incident, detail.affected, staff_alerted(detail.incident)),
        "monitor_count": len(detail.monitors),
        "affected": [{"id": row.customer.key, "name": row.customer.name, "started_at": row.started_at,
                      "resolved_at": row.resolved_at, "notified_at": row.notified_at,
                      "duration_seconds": row.duration_seconds} for row in detail.affected],
        "assets": [{"id": a.key, "name": a.name, "kind": a.kind, "customer": a.customer.key if a.customer else None}
                   for a in detail.assets],
        "monitors": [{"id": m.key, "asset": m.asset.key, "type": m.type, "state": m.state,
                      "last_reason": m.last_reason} for m in detail.monitors],
        "updates": [_update(u, reader) for u in detail.updates],
    }


def _seen(detail, customer):
    """DETAIL as a token limited to CUSTOMER sees it: only if it touched them, only their own row, assets and
    monitors (and the provider's, which caused it), and only the public updates; whole for any other token."""
    if customer is None:
        return detail
    mine = [row for row in detail.affected if row.customer_id == customer.pk]
    if not mine:
        raise NotFound("incident", str(detail.incident.pk))
    theirs = {customer.pk, None}
    return replace(detail, affected=mine, assets=[a for a in detail.assets if a.customer_id in theirs],
                   monitors=[m for m in detail.monitors if m.asset.customer_id in theirs],
                   updates=[u for u in detail.updates if u.public])


def _open_for_change(incident_id: int) -> Incident:
    incident = Incident.objects.select_related("owner").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("incident", str(incident_id))
    if incident.status == IncidentStatus.RESOLVED:
        raise Conflict(f"incident {incident_id} is resolved: it takes no more updates")
    return incident


def _change(incident_id: int, write) -> None:
    """Run WRITE on the open incident; the service finding it resolved meanwhile is the same 409."""
    incident = _open_for_change(incident_id)
    try:
        write(incident)
    except Invalid as e:
        if e.field == "incident":
            raise Conflict(f"incident {incident_id} is resolved: it takes no more updates") from None
        raise


def _author(request: HttpRequest):
    return getattr(request.auth.user, "staff", None)


def _message(m: Message, request: HttpRequest) -> dict:
    recipient = m.recipient if m.channel == Channel.EMAIL or can_write(request) else redacted(m.recipient)
    return {
        "id": m.pk, "topic": m.topic, "audience": m.audience, "customer": m.customer.key if m.customer else None,
        "channel": m.channel, "recipient": recipient, "recipient_name": m.recipient_name, "language": m.language,
        "subject": m.subject, "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
        "created_at": m.created_at, "next_attempt_at": m.next_attempt_at, "sent_at": m.sent_at,
    }


def _log_page(request: HttpRequest, page: OffsetPage, *, topic: Optional[str] = None, where: Optional[MessageFilters] = None) -> dict:
    where = where or MessageFilters()
    customer = _customer(where.customer, request)
    limited = scope.customer_of(request)
    try:
        rows = delivery_log(topic=topic, customer=limited or customer, status=where.status)
    except ValueError as e:
        raise InvalidQuery("status", str(e)) from None
    if where.channel:
        if where.channel not in Channel.values:
            raise InvalidQuery("channel", f"unknown channel {where.channel!r}; one of {', '.join(Channel.values)}")
        rows = rows.filter(channel=where.channel)
    items = rows[page.offset : page.offset + page.limit]
    return {"count": rows.count(), "limit": page.limit, "offset": page.offset, "items": [_message(m, request) for m in items]}


incidents = Router(tags=["incidents"])
messages = Router(tags=["messages"])


@incidents.get("", response={200: IncidentPage}, operation_id="incidents_list",
               summary="List incidents, open ones first")
def incident_list(request: HttpRequest, page: Query[OffsetPage], where: Query[IncidentFilters]):
    if where.status and where.status not in INCIDENT_STATUS_FILTERS:
        raise InvalidQuery("status", f"unknown status {where.status!r}; one of {', '.join(INCIDENT_STATUS_FILTERS)}")
    limited = scope.customer_of(request)
    _customer(where.customer, request)
    rows = incident_rows(status=where.status, customer=limited.key if limited else where.customer)
    items = list(rows[page.offset : page.offset + page.limit])
    unalerted = unalerted_incidents(items)

    def told(incident) -> list:
        return [row for row in incident.affected.all() if limited is None or row.customer_id == limited.pk]

    return {"count": rows.count(), "limit": page.limit, "offset": page.offset,
            "items": [{**_summary(i, told(i), staff_alerted(i, unalerted)), "monitor_count": i.monitor_count}
                      for i in items]}


@incidents.get("/{incident_id}", response={200: IncidentOut}, operation_id="incidents_read",
               summary="Read an incident: customers, assets, monitors and its timeline")
def incident_read(request: HttpRequest, incident_id: Id):
    return _detail(incident_id, request)


@incidents.post("/{incident_id}/updates", response={201: UpdateOut, **CONFLICT}, operation_id="incidents_post_update",
                summary="Post an update (public: staff and affected customers are told; internal: staff only)")
def incident_post_update(request: HttpRequest, incident_id: Id, payload: UpdateIn):
    created = []
    _change(incident_id, lambda incident: created.append(services.incident_post_update(
        incident=incident, author=_author(request), status=payload.status, public=payload.public,
        template=payload.template, message=payload.message, language=payload.language)))
    return Status(201, _update(created[0], Provider.get().language))


@incidents.post("/{incident_id}/reassign", response={200: IncidentOut, **CONFLICT}, operation_id="incidents_reassign",
                summary="Give an incident to another staff member")
def incident_reassign(request: HttpRequest, incident_id: Id, payload: ReassignIn):
    _change(incident_id, lambda incident: services.incident_reassign(
        incident=incident, owner=staff_by_username(payload.owner)))
    return _detail(incident_id, request)


@incidents.post("/{incident_id}/resolve", response={200: IncidentOut, **CONFLICT}, operation_id="incidents_resolve",
                summary="Resolve an incident; staff and affected customers are told, with an optional message")
def incident_resolve(request: HttpRequest, incident_id: Id, payload: ResolveIn):
    _change(incident_id, lambda incident: services.incident_resolve(
        incident=incident, author=_author(request), message=payload.message,
        language=payload.language if payload.message.strip() else ""))
    return _detail(incident_id, request)


@incidents.get("/{incident_id}/messages", response={200: MessagePage}, operation_id="incidents_messages",
               summary="The delivery log of an incident: every message about it, newest first")
def incident_messages(request: HttpRequest, incident_id: Id, page: Query[OffsetPage]):
    limited = scope.customer_of(request)
    found = Incident.objects.filter(pk=incident_id)
    if limited is not None:
        found = found.filter(affected__customer=limited)
    if not found.exists():
        raise NotFound("incident", str(incident_id))
    return _log_page(request, page, topic=f"incident:{incident_id}")


@messages.get("", response={200: MessagePage, 404: ErrorOut}, operation_id="messages_list",
              summary="The delivery log: every message in the outbox, newest first")
def message_list(request: HttpRequest, page: Query[OffsetPage], where: Query[MessageFilters]):
    return _log_page(request, page, where=where)


def _decide(request: HttpRequest, payload: DecisionIn, decision) -> dict:
    """Run DECISION (release or discard) on the messages PAYLOAD names; a message not held is a 409."""
    if (payload.ids is None) == (payload.filter is None):
        raise Invalid("ids", "give either ids (a list of message ids) or filter ({} for every held message)")
    where = None
    if payload.filter is not None:
        f = payload.filter
        try:
            customer = _customer(f.customer, request)
        except InvalidQuery as e:
            raise Invalid("filter.customer", e.message) from None
        where = delivery_log(status=Message.Status.HELD, channel=f.channel, customer=customer, topic=f.topic)
    try:
        ids = decision(ids=payload.ids, where=where, by=request.auth.user.username)
    except notify_services.NotHeld as e:
        raise Conflict(str(e)) from None
    return {"count": len(ids), "ids": ids}


@messages.post("/release", response={200: DecisionOut, **CONFLICT},
               operation_id="messages_release",
               summary="Send held messages after all: they are pending again and the notifier delivers them")
def message_release(request: HttpRequest, payload: DecisionIn):
    return _decide(request, payload, notify_services.messages_release)


@messages.post("/discard", response={200: DecisionOut, **CONFLICT},
               operation_id="messages_discard",
               summary="Never send held messages: they are discarded, with who decided so")
def message_discard(request: HttpRequest, payload: DecisionIn):
    return _decide(request, payload, notify_services.messages_discard)
