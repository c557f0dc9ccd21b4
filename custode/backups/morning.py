"""The morning e-mail: the daily round (``round.round_rows``), worst first, to every member of staff by e-mail
once a day from ``SEND_AT`` in the provider's timezone, run by the ``custode notifier`` process (its
``backups`` step).

Each message's outbox key names the day and the recipient, so it is written once however often the step runs,
however many notifiers run it and across restarts; a notifier started later in the day writes that day's round
then (and never a past day's). The step looks at most every ``LOOK_EVERY`` seconds, and composes the round only
when the day's messages are not in the outbox yet.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

from custode.backups.round import Row, round_rows, tally
from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel, Message
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient, staff_recipients
from custode.notify.services import outbox_enqueue

SEND_AT = dt.time(7, 0)  # provider's timezone
LOOK_EVERY = 30.0  # seconds
_looked = [float("-inf")]
_written_for: list[dt.date | None] = [None]  # the day this process has seen written


def key_prefix(day: dt.date) -> str:
    return f"backups:round:{day.isoformat()}:"


def due_day(now: dt.datetime, tz) -> dt.date | None:
    """The provider's day whose round is due at NOW: today once it is SEND_AT there, else None."""
    local = now.astimezone(tz)
    return local.date() if local.time() >= SEND_AT else None


def step() -> bool:
    """The notifier's unit: write today's round when it is due and not written; True when it wrote any."""
    if time.monotonic() - _looked[0] < LOOK_EVERY:
        return False
    _looked[0] = time.monotonic()
    return write_round() > 0


def write_round(*, now: dt.datetime | None = None) -> int:
    """Write the round of NOW's day to staff if it is due and not yet in the outbox; how many messages were new."""
    now = now or timezone.now()
    provider = Provider.get()
    day = due_day(now, wording.zone(provider.timezone))
    if day is None or _written_for[0] == day:
        return 0
    if Message.objects.filter(key__startswith=key_prefix(day)).exists():
        _written_for[0] = day
        return 0
    rows = round_rows(now=now)
    written = outbox_enqueue(messages=round_mail(rows, day, provider)) if rows else 0
    _written_for[0] = day
    return written


def round_mail(rows: list[Row], day: dt.date, provider: Provider) -> list[Outgoing]:
    """The round ROWS of DAY to each member of staff's e-mail, in their language."""
    tz = wording.zone(provider.timezone)
    counts = tally(rows)
    out = []
    for r in _by_email(staff_recipients(provider=provider)):
        context = {
            **contexts.common(provider, r, contexts.signer_of(None, provider)),
            "day": wording.day(dt.datetime.combine(day, dt.time(12), tz), tz, r.language),
            **counts,
            "rows": [_row(row, tz) for row in rows],
            "url": absolute("/backups/"),
        }
        subject, body = templating.render("staff_backup_round", r.language, context)
        out.append(Outgoing(
            key=f"{key_prefix(day)}{r.ident}:{r.channel}:{r.address}"[:255], audience=Audience.STAFF,
            channel=r.channel, recipient=r.address, language=r.language, subject=subject, body=body,
            recipient_name=r.name, topic=f"backups:round:{day.isoformat()}"))
    return out


def _by_email(recipients: list[Recipient]) -> list[Recipient]:
    return [r for r in recipients if r.channel == Channel.EMAIL and r.address]


def _row(row: Row, tz) -> dict:
    signed = row.signoff
    return {
        "colour": row.colour, "state": row.state, "reasons": row.reasons, "job": row.job.key,
        "customer": row.customer.name if row.customer else "", "asset": row.job.asset.name or row.job.asset.key,
        "signoff": signed and {"by": signed.by, "time": wording.clock(signed.at, tz), "note": signed.note},
    }
