"""What a token limited to one customer (``custode token create USER --customer ID``) may reach.

Such a token is for the customer's own tools or a reseller: it reads that customer's customer record,
contacts, assets, monitors, incidents (their own part of them, public updates only), delivery log, tickets
(public replies only) and hours, and, when it may write, opens tickets for that customer. Anything else is
403 naming the limit; another customer's object is 404, as if it did not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from custode.lib.changes import NotFound

# the API sections (under /api/v1/) a limited token may read; it may write two things: open a ticket, book a call
READABLE = ("customers", "contacts", "assets", "monitors", "incidents", "messages", "tickets", "callbacks")
WRITABLE = (("POST", "tickets"), ("POST", "callbacks"))


class OutOfScope(Exception):
    """The token is limited to one customer and the request reaches beyond it (403)."""


def customer_of(request: HttpRequest):
    """The customer REQUEST's token is limited to, or None for a token of the whole provider."""
    return getattr(getattr(request, "auth", None), "customer", None)


def check_route(request: HttpRequest, token) -> None:
    """Refuse, before the route runs, what a limited TOKEN may never do."""
    if token is None or token.customer is None:
        return
    route = request.path.split("/api/v1/", 1)[-1].strip("/")
    section = route.split("/", 1)[0]
    if request.method in ("GET", "HEAD", "OPTIONS"):
        if section not in READABLE:
            raise OutOfScope(f"this token is limited to customer {token.customer.key!r} and cannot read {section}")
    elif (request.method, route) not in WRITABLE:
        raise OutOfScope(f"this token is limited to customer {token.customer.key!r}: it may read, open tickets and "
                         "book callbacks, but change nothing")


def limit(rows: QuerySet, request: HttpRequest, path: str | None) -> QuerySet:
    """ROWS cut to the token's customer by the lookup PATH to its id (``asset__customer_id``); unchanged without a limit."""
    customer = customer_of(request)
    if customer is None:
        return rows
    if path is None:
        raise OutOfScope(f"this token is limited to customer {customer.key!r}")
    return rows.filter(**{path: customer.pk})


def require(request: HttpRequest, customer_id: int | None, kind: str, key: str) -> None:
    """A single object of CUSTOMER_ID: another customer's, for a limited token, is as good as missing."""
    customer = customer_of(request)
    if customer is not None and customer_id != customer.pk:
        raise NotFound(kind, key)
