"""The silence watch over remote probes, run by the ``custode notifier`` process (its ``probes`` step).

A probe asks the server every 2 s; one not heard from for ``SILENT_AFTER`` is one staff alert, and one more
when it is heard from again. Its monitors get no results meanwhile, so they keep their states: a dead probe
is one message, not a DOWN for every monitor it checks. Each alert moves the probe's ``silent_since`` with a
conditional UPDATE and writes its messages in the same transaction: told once, across restarts and a second
notifier. A probe never heard from (added, not yet started) is not watched; nor is a revoked one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.monitors.models import Monitor
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import staff_recipients
from custode.notify.services import outbox_enqueue
from custode.probes.models import Probe

SILENT_AFTER = dt.timedelta(seconds=60)
LOOK_EVERY = 5.0  # seconds between looks
_looked = [float("-inf")]


def step() -> bool:
    """The notifier's unit: look when LOOK_EVERY has passed; True when it wrote any message."""
    if time.monotonic() - _looked[0] < LOOK_EVERY:
        return False
    _looked[0] = time.monotonic()
    return probes_watch() > 0


def probes_watch(*, now: dt.datetime | None = None) -> int:
    """Tell staff of each probe that fell silent or came back since the last look; how many messages were new."""
    now = now or timezone.now()
    watched = Probe.objects.filter(revoked_at=None, last_seen_at__isnull=False)
    new = 0
    for probe in watched.filter(silent_since=None, last_seen_at__lt=now - SILENT_AFTER):
        new += _tell(probe, "silent", since=None, to=probe.last_seen_at)
    for probe in watched.filter(silent_since__isnull=False, last_seen_at__gt=F("silent_since")):
        new += _tell(probe, "back", since=probe.silent_since, to=None)
    return new


def _tell(probe: Probe, event: str, *, since: dt.datetime | None, to: dt.datetime | None) -> int:
    """Move PROBE's silent_since from SINCE to TO and write the EVENT's messages, or nothing if it moved already."""
    with transaction.atomic():
        if not Probe.objects.filter(pk=probe.pk, silent_since=since).update(silent_since=to):
            return 0
        return outbox_enqueue(messages=probe_messages(probe, event, silent_since=since or to))


def probe_messages(probe: Probe, event: str, *, silent_since: dt.datetime) -> list[Outgoing]:
    """Staff told that PROBE went silent at SILENT_SINCE (EVENT ``silent``) or is back (``back``)."""
    provider = Provider.get()
    zone = wording.zone(provider.timezone)
    facts = {"name": probe.name, "since": silent_since.astimezone(zone).strftime("%H:%M"),
             "back": probe.last_seen_at.astimezone(zone).strftime("%H:%M"), "monitors": _monitors_of(probe.name)}
    document = {"name": probe.name, "silent_since": silent_since.isoformat(),
                "back_at": probe.last_seen_at.isoformat() if event == "back" else None}
    out = []
    for r in staff_recipients(provider=provider):
        context = {**contexts.common(provider, r, contexts.signer_of(None, provider)), "probe": facts}
        subject, body = templating.render(f"staff_probe_{event}", r.language, context)
        payload = {"event": f"probe.{event}", "probe": document, "customer": None,
                   "text": {"subject": subject, "body": body}}
        address = r.address if len(r.address) <= 120 else hashlib.sha256(r.address.encode()).hexdigest()[:32]
        out.append(Outgoing(
            key=f"probe-{event}:{probe.pk}:{silent_since.isoformat()}:{r.ident}:{r.channel}:{address}",
            audience=Audience.STAFF, channel=r.channel, recipient=r.address, language=r.language, subject=subject,
            body=body, recipient_name=r.name, topic=f"probe:{probe.name}",
            payload=payload if r.channel == Channel.WEBHOOK else {}))
    return out


def _monitors_of(location: str) -> int:
    return sum(location in locations for locations in Monitor.objects.values_list("locations", flat=True))
