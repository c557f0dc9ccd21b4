"""Staff alerts for warranties and licences (``custode.assets.expiries``), run by the ``custode notifier`` process
(its ``expiries`` step) at most every ``LOOK_EVERY`` seconds.

Each look from ``TELL_FROM`` of the provider's day reads what has reached a stage not told yet, and writes one
message per member of staff and channel listing all of it, with the records that it was told, in one transaction:
told once however often the step runs and across restarts. The message's outbox key is made of what it tells, so
a second notifier racing the first writes the same keys and the outbox keeps one of each. Customers are never told.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.db import transaction
from django.utils import timezone

from custode.assets.expiries import EXPIRED, Item, expiries_told, expiry_items
from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient, staff_recipients
from custode.notify.services import outbox_enqueue

LOOK_EVERY = 3600.0  # seconds: stages are days apart, an hour late is on time
TELL_FROM = dt.time(8)  # the provider's time: a stage reached at midnight is told in the morning, not at night
_looked = [float("-inf")]


def step() -> bool:
    """The notifier's unit: look when LOOK_EVERY has passed; True when it wrote any message."""
    if time.monotonic() - _looked[0] < LOOK_EVERY:
        return False
    _looked[0] = time.monotonic()
    return expiry_alerts_write() > 0


def expiry_alerts_write(*, now: dt.datetime | None = None) -> int:
    """Tell staff of every warranty and licence that reached a stage not told yet; how many messages were new."""
    now = now or timezone.now()
    provider = Provider.get()
    local = now.astimezone(wording.zone(provider.timezone))
    if local.time() < TELL_FROM:
        return 0
    today = local.date()
    due = [item for item in expiry_items(today=today, to_alert=True) if item.due]
    if not due:
        return 0
    with transaction.atomic():
        expiries_told(due, now=now)
        return outbox_enqueue(messages=expiry_messages(due, provider))


def expiry_messages(items: list[Item], provider: Provider) -> list[Outgoing]:
    """ITEMS to each member of staff on each of their channels, in their language; webhooks get them as JSON."""
    told = "|".join(sorted(f"{i.asset_id}:{i.kind}:{i.name}:{i.expires}:{i.stage}" for i in items))
    event = hashlib.sha256(told.encode()).hexdigest()[:24]
    rows = [_row(item) for item in items]
    out = []
    for r in staff_recipients(provider=provider):
        context = {**contexts.common(provider, r, contexts.signer_of(None, provider)), "items": rows,
                   "expired": sum(1 for row in rows if row["expired"]), "count": len(rows),
                   "url": absolute("/warranties/")}
        subject, body = templating.render("staff_expiries", r.language, context)
        payload = {"event": "assets.expiring", "items": rows, "customer": None,
                   "text": {"subject": subject, "body": body}}
        out.append(Outgoing(
            key=f"expiry:{event}:{r.ident}:{r.channel}:{_short(r)}", audience=Audience.STAFF, channel=r.channel,
            recipient=r.address, language=r.language, subject=subject, body=body, recipient_name=r.name,
            topic="assets:expiries", payload=payload if r.channel == Channel.WEBHOOK else {}))
    return out


def _short(r: Recipient) -> str:
    """The address in a key: as it is when short, else its digest (an Apprise URL can be long)."""
    return r.address if len(r.address) <= 120 else hashlib.sha256(r.address.encode()).hexdigest()[:32]


def _row(item: Item) -> dict:
    return {"asset": item.asset_key, "asset_name": item.asset_name, "customer": item.customer, "kind": item.kind,
            "name": item.name, "expires": item.expires.isoformat(), "days_left": item.days_left,
            "expired": item.stage == EXPIRED}
