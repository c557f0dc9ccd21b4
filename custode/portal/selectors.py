"""What a contact may read: their own customer's tickets, assets and hours, nothing else. Every read here
starts from the customer, so another customer's object is simply not found (a 404, never a 403)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from custode.assets.models import Asset
from custode.directory.models import Customer, Provider
from custode.portal.models import Callback
from custode.tickets import hours
from custode.tickets.models import Attachment, Status, Ticket

LIVE = (Status.OPEN, Status.WAITING)
SHOWN = 100


def tickets_of(customer: Customer) -> QuerySet[Ticket]:
    """The customer's tickets, those still open (or waiting on them) first, then the newest."""
    order = Case(When(status__in=LIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (Ticket.objects.filter(customer=customer).select_related("asset")
            .annotate(live=order).order_by("live", "-number")[:SHOWN])


def ticket_of(customer: Customer, number: int) -> Ticket:
    ticket = Ticket.objects.filter(customer=customer, number=number).select_related("asset", "customer__plan").first()
    if ticket is None:
        raise Http404("no such request")
    return ticket


def thread_of(ticket: Ticket) -> list:
    """What the customer reads of a ticket: its public messages, oldest first, with their files' names."""
    files = Prefetch("attachments", Attachment.objects.defer("data"))
    return list(ticket.replies.filter(public=True).order_by("at", "id").prefetch_related(files))


def attachment_of(customer: Customer, number: int, pk: int) -> Attachment:
    """A file on a public message of the customer's ticket NUMBER; any other (an internal note's, another
    ticket's or customer's) is as missing as one that does not exist."""
    found = Attachment.objects.filter(pk=pk, reply__public=True, reply__ticket__number=number,
                                      reply__ticket__customer=customer).first()
    if found is None:
        raise Http404("no such file")
    return found


def assets_of(customer: Customer) -> QuerySet[Asset]:
    return Asset.objects.filter(customer=customer).order_by("kind", "name")


def asset_of(customer: Customer, key: str) -> Asset:
    asset = Asset.objects.filter(customer=customer, key=key).first()
    if asset is None:
        raise Http404("no such asset")
    return asset


def callbacks_of(customer: Customer) -> QuerySet[Callback]:
    """The customer's calls still to come, not cancelled."""
    return Callback.objects.filter(customer=customer, cancelled_at__isnull=True, end__gt=timezone.now())


def callback_of(customer: Customer, pk: int) -> Callback:
    found = Callback.objects.filter(customer=customer, pk=pk).select_related("ticket", "staff__user", "contact").first()
    if found is None:
        raise Http404("no such callback")
    return found


def hours_of(customer: Customer, *, now: dt.datetime | None = None) -> list[hours.Bank]:
    """The customer's hours bank this month and last month (the provider's months)."""
    tz = ZoneInfo(Provider.get().timezone)
    this = hours.month_of(now or timezone.now(), tz)
    return [hours.bank(customer, this, tz), hours.bank(customer, hours.previous(this), tz)]
