"""/api/v1/subscribers: who subscribed to the public status page, and unsubscribing them for good.

Reads come from ``custode.subscriptions.selectors``, the one write from ``custode.subscriptions.services``.
A subscriber's token is never served: it is their secret unsubscribe link.

No ``from __future__ import annotations`` here: ninja reads the schemas from the annotations at definition time.
"""

import datetime as dt
from typing import List, Optional

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from custode.api.crud import OffsetPage
from custode.api.errors import Id, InvalidQuery, Router
from custode.lib.changes import Invalid, NotFound
from custode.subscriptions import selectors, services
from custode.subscriptions.models import Subscriber


class SubscriberOut(Schema):
    id: int
    channel: str
    address: str = Field(description="the e-mail address, or the URL a webhook is posted to")
    email: str = Field(description="where the confirmation went (for e-mail, the address)")
    language: str
    components: List[str] = Field(description="the public components chosen (asset keys); none means all of them")
    created_at: dt.datetime
    confirmed_at: Optional[dt.datetime]
    unsubscribed_at: Optional[dt.datetime]
    status: str = Field(description=f"one of {', '.join(selectors.STATUSES)}")


class SubscriberPage(Schema):
    count: int
    limit: int
    offset: int
    items: List[SubscriberOut]


class SubscriberFilters(Schema):
    status: Optional[str] = Field(default=None, description=f"one of {', '.join(selectors.STATUSES)}")
    channel: Optional[str] = Field(default=None, description=f"one of {', '.join(Subscriber.Channel.values)}")
    component: Optional[str] = Field(default=None, description="an asset key: those who hear of it (chose it, or "
                                                                "chose no component at all)")


def _subscriber(s: Subscriber) -> dict:
    return {
        "id": s.pk, "channel": s.channel, "address": s.address, "email": s.email, "language": s.language,
        "components": sorted(a.key for a in s.components.all()), "created_at": s.created_at,
        "confirmed_at": s.confirmed_at, "unsubscribed_at": s.unsubscribed_at,
        "status": selectors.subscriber_status(s),
    }


subscribers = Router(tags=["subscribers"])


@subscribers.get("", response={200: SubscriberPage}, operation_id="subscribers_list",
                 summary="List the public status page's subscribers, newest first")
def subscriber_list(request: HttpRequest, page: Query[OffsetPage], where: Query[SubscriberFilters]):
    try:
        rows = selectors.subscriber_list(status=where.status, channel=where.channel, component=where.component)
    except Invalid as e:
        raise InvalidQuery(e.field, e.message) from None
    items = rows[page.offset : page.offset + page.limit]
    return {"count": rows.count(), "limit": page.limit, "offset": page.offset,
            "items": [_subscriber(s) for s in items]}


@subscribers.delete("/{subscriber_id}", response={204: None}, operation_id="subscribers_delete",
                    summary="Unsubscribe a subscriber: they are told nothing more (the record is kept)")
def subscriber_delete(request: HttpRequest, subscriber_id: Id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        raise NotFound("subscriber", str(subscriber_id))
    services.unsubscribe(subscriber.token)
    return Status(204, None)
