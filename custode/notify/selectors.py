"""Reading the outbox: the delivery log, held messages and unalerted incidents that the staff UI and the API show."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from custode.directory.models import Customer
from custode.notify.models import Audience, Channel, Message


def delivery_log(*, topic: str | None = None, customer: Customer | int | None = None,
                 status: str | None = None, channel: str | None = None) -> QuerySet[Message]:
    """Messages newest first, optionally only those about TOPIC (``incident:12``), to CUSTOMER, in STATUS or on
    CHANNEL.

    A status or channel that is not a known one is a ValueError naming the valid ones, so a caller can answer
    422 instead of showing an empty log.
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
    if channel:
        if channel not in Channel.values:
            raise ValueError(f"unknown channel {channel!r}; one of {', '.join(Channel.values)}")
        messages = messages.filter(channel=channel)
    return messages


def held_count() -> int:
    """How many messages are held, waiting for staff to release or discard them: the dashboard's banner."""
    return Message.objects.filter(status=Message.Status.HELD).count()


def unalerted_incidents(incidents: Iterable) -> set[int]:
    """The ids among INCIDENTS whose staff alert reached nobody: told (``confirmed_at`` set), yet not one staff
    message of their opening was sent or is on its first try: no staff member had anywhere to be reached, or each
    message failed, was held, was discarded or is being retried after a failure (a webhook that refuses is no
    alert). An incident not yet told of is not among them: nobody was meant to know yet.
    """
    told = {incident.pk for incident in incidents if incident.confirmed_at is not None}
    if not told:
        return set()
    first_try = Q(status=Message.Status.PENDING, attempts=0)
    reaching = (Message.objects.filter(first_try | Q(status=Message.Status.SENT), audience=Audience.STAFF,
                                       topic__in=[f"incident:{pk}" for pk in told], key__contains=":opened:staff:")
                .order_by().values_list("topic", flat=True).distinct())
    return told - {int(topic.split(":", 1)[1]) for topic in reaching}


def staff_alerted(incident, unalerted: set[int] | None = None) -> bool | None:
    """Whether INCIDENT's staff alert reached anyone; None while it is not yet told of. UNALERTED: what
    ``unalerted_incidents`` answered for a list that holds it, so a list asks once."""
    if incident.confirmed_at is None:
        return None
    return incident.pk not in (unalerted_incidents([incident]) if unalerted is None else unalerted)
