"""Writing to the outbox, and staff's decisions on held messages. Delivery lives in ``custode.notify.delivery``."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from custode.lib.changes import Invalid
from custode.notify.models import Message
from custode.notify.outgoing import Outgoing

log = logging.getLogger("custode.notify")


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
            subject=m.subject[:300], body=m.body, payload=m.payload, headers=m.headers, files=m.files,
            next_attempt_at=now,
        )
        for m in messages
    ]
    if not rows:
        return 0
    keys = [row.key for row in rows]
    before = set(Message.objects.filter(key__in=keys).values_list("key", flat=True))
    Message.objects.bulk_create([row for row in rows if row.key not in before], ignore_conflicts=True)
    return len(set(keys) - before)


class NotHeld(Exception):
    """A release or discard named a message that is not held (sent, failed, pending...): nothing was changed."""


def messages_release(*, ids: Iterable[int] | None = None, where: QuerySet[Message] | None = None,
                     by: str) -> list[int]:
    """Send held messages after all: pending again, delivered by the notifier, retried for 24 hours from now.

    IDS names the messages (an unknown one is Invalid on ``ids``, one that is not held is NotHeld, and then
    nothing changes); WHERE instead takes whichever of those messages are held. Returns the ids released.
    """
    now = timezone.now()
    released = _decide(ids, where, status=Message.Status.PENDING, next_attempt_at=now, released_at=now, last_error="")
    log.info("%s released %d held message(s): %s", by, len(released), _shown(released))
    return released


def messages_discard(*, ids: Iterable[int] | None = None, where: QuerySet[Message] | None = None,
                     by: str) -> list[int]:
    """Never send held messages: discarded, with who decided so as their last error. IDS and WHERE as in
    ``messages_release``. Returns the ids discarded."""
    discarded = _decide(ids, where, status=Message.Status.DISCARDED, last_error=f"discarded by {by}"[:500])
    log.info("%s discarded %d held message(s): %s", by, len(discarded), _shown(discarded))
    return discarded


def _decide(ids: Iterable[int] | None, where: QuerySet[Message] | None, **values) -> list[int]:
    if (ids is None) == (where is None):
        raise ValueError("give either ids or where")
    held = Message.Status.HELD
    if where is not None:
        with transaction.atomic():
            chosen = list(where.filter(status=held).order_by("id").values_list("id", flat=True))
            Message.objects.filter(pk__in=chosen, status=held).update(**values)
        return chosen
    chosen = sorted(set(ids))
    if not chosen:
        raise Invalid("ids", "name at least one message")
    found = dict(Message.objects.filter(pk__in=chosen).values_list("id", "status"))
    unknown = [str(i) for i in chosen if i not in found]
    if unknown:
        raise Invalid("ids", f"no such message: {', '.join(unknown)}")
    _refuse_unheld(found)
    with transaction.atomic():
        if Message.objects.filter(pk__in=chosen, status=held).update(**values) != len(chosen):
            # another decision took one meanwhile: roll back and say which
            _refuse_unheld(dict(Message.objects.filter(pk__in=chosen).values_list("id", "status")))
            raise NotHeld("a message changed meanwhile; nothing was changed")
    return chosen


def _refuse_unheld(statuses: dict[int, str]) -> None:
    others = [f"{pk} is {status}" for pk, status in sorted(statuses.items()) if status != Message.Status.HELD]
    if others:
        raise NotHeld(f"only held messages can be released or discarded; message {', '.join(others)}")


def _shown(ids: list[int]) -> str:
    return ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
