"""Reading the outbox: the delivery log that the staff UI and the API show."""

from __future__ import annotations

from django.db.models import QuerySet

from custode.directory.models import Customer
from custode.notify.models import Message


def delivery_log(*, topic: str | None = None, customer: Customer | int | None = None,
                 status: str | None = None) -> QuerySet[Message]:
    """Messages newest first, optionally only those about TOPIC (``incident:12``), to CUSTOMER, or in STATUS.

    A status that is not one of pending, sent, failed is a ValueError naming the valid ones, so a caller
    can answer 422 instead of showing an empty log.
    """
    messages = Message.objects.select_related("customer").order_by("-created_at", "-id")
    if topic:
        messages = messages.filter(topic=topic)
    if customer is not None:
        messages = messages.filter(customer=customer)
    if status:
        if status not in Message.Status.values:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(Message.Status.values)}")
        messages = messages.filter(status=status)
    return messages
