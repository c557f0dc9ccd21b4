"""Writing to the outbox. Delivery lives in ``custode.notify.delivery``."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from custode.notify.models import Message
from custode.notify.outgoing import Outgoing


def outbox_enqueue(*, messages: Iterable[Outgoing]) -> int:
    """Store messages for delivery; a key already in the outbox is left as it is. Returns how many were new.

    Call it inside the transaction that records the event the messages tell about, so the event and
    its messages are stored together or not at all.
    """
    now = timezone.now()
    rows = [
        Message(
            key=m.key, topic=m.topic, audience=m.audience, customer_id=m.customer_id, channel=m.channel,
            recipient=m.recipient, recipient_name=m.recipient_name, language=m.language,
            subject=m.subject[:300], body=m.body, payload=m.payload, headers=m.headers, next_attempt_at=now,
        )
        for m in messages
    ]
    if not rows:
        return 0
    keys = [row.key for row in rows]
    before = set(Message.objects.filter(key__in=keys).values_list("key", flat=True))
    Message.objects.bulk_create([row for row in rows if row.key not in before], ignore_conflicts=True)
    return len(set(keys) - before)
