"""Reading the desk's mailbox (``CUSTODE_IMAP_URL``): the ``mail`` step of the ``custode notifier`` process.

Every CUSTODE_IMAP_EVERY the step opens the folder read-only, asks for the UIDs above the last one taken and
hands each message to ``custode.tickets.inbox.mail_take``, oldest first. It runs in a thread of its own, since
a mail server can keep it waiting for as long as its timeouts allow, which must not delay incidents or delivery.

A mailbox that cannot be read (a refused login, a server away, no such folder) is logged with its name, shown to
staff on the dashboard (``Mailbox.last_error``), and tried again with the outbox's backoff: 10 s, doubling, at
most an hour. A mail the desk cannot handle is kept in triage with the reason; it never stops the mailbox.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import F
from django.utils import timezone

from custode.notify.delivery import backoff
from custode.tickets import imap, inbox
from custode.tickets.models import InboundMail, Mailbox

log = logging.getLogger("custode.tickets")

BUDGET = 10.0  # seconds of taking mail per step; a longer backlog goes on at once in the next step
_next_poll: dict[str, float] = {}  # mailbox name -> time.monotonic() of its next look


def step() -> bool:
    """Look at the mailbox if it is time; True when mail was taken (and more may be waiting)."""
    if not settings.IMAP_URL:
        return False
    box = imap.parse_url(settings.IMAP_URL)
    if time.monotonic() < _next_poll.get(box.name, float("-inf")):
        return False
    more = poll(box)
    row = Mailbox.objects.get(name=box.name)
    wait = 0.0 if more else backoff(row.failures) if row.failures else settings.IMAP_EVERY
    if row.failures:
        log.error("%s; trying again in %.0fs", row.last_error, wait)
    _next_poll[box.name] = time.monotonic() + wait
    Mailbox.objects.filter(pk=row.pk).update(next_poll_at=timezone.now() + dt.timedelta(seconds=wait))
    return more


def poll(box: imap.ImapMailbox, *, budget: float = BUDGET) -> bool:
    """Take what is new in BOX; True when the budget ran out with mail still waiting."""
    row, _ = Mailbox.objects.get_or_create(name=box.name)
    started = time.monotonic()
    try:
        with imap.Session(box) as session:
            row = _validity(row, session.uidvalidity)
            for uid in session.new_uids(row.last_uid):
                if time.monotonic() - started > budget:
                    _succeeded(row)
                    return True
                _take(session, row, uid)
    except imap.MailboxError as exc:
        _failed(row, str(exc))
        return False
    _succeeded(row)
    return False


def _validity(row: Mailbox, uidvalidity: int) -> Mailbox:
    """A new UIDVALIDITY means the server numbered the folder anew: start again from the first UID (mails taken
    before are known by their Message-ID)."""
    if row.uidvalidity != uidvalidity:
        if row.uidvalidity is not None:
            log.warning("mailbox %s: UIDVALIDITY changed from %s to %s; reading the folder again from the start",
                        row.name, row.uidvalidity, uidvalidity)
        Mailbox.objects.filter(pk=row.pk).update(uidvalidity=uidvalidity, last_uid=0)
        row.uidvalidity, row.last_uid = uidvalidity, 0
    return row


def _take(session: imap.Session, row: Mailbox, uid: int) -> None:
    size = session.size(uid)
    too_large = size if size is not None and size > inbox.max_mail(settings.MAIL_MAX_ATTACHMENT) else None
    raw = session.fetch(uid, "BODY.PEEK[HEADER]" if too_large else "BODY.PEEK[]")
    if raw is None:
        return  # expunged meanwhile
    try:
        inbox.mail_take(mailbox=row, uidvalidity=row.uidvalidity, uid=uid, raw=raw, too_large=too_large)
    except (OperationalError, InterfaceError):
        raise  # the database is away: the notifier naps and the next look takes this mail again
    except Exception as exc:  # a mail the desk cannot handle waits for staff; the mailbox goes on
        log.exception("mailbox %s: mail %s could not be taken; it waits in triage", row.name, uid)
        inbox.mail_keep(mailbox=row, uidvalidity=row.uidvalidity, uid=uid, raw=raw,
                        reason=f"could not be taken: {exc.__class__.__name__}: {exc}")


def _succeeded(row: Mailbox) -> None:
    if row.failures:
        log.info("mailbox %s can be read again", row.name)
    Mailbox.objects.filter(pk=row.pk).update(last_polled_at=timezone.now(), failures=0, last_error="",
                                             failing_since=None)


def _failed(row: Mailbox, error: str) -> None:
    now = timezone.now()
    Mailbox.objects.filter(pk=row.pk).update(failures=F("failures") + 1, last_error=error[:500], last_polled_at=now)
    Mailbox.objects.filter(pk=row.pk, failing_since__isnull=True).update(failing_since=now)


def unreadable() -> list[Mailbox]:
    """The mailboxes that cannot be read now, for the dashboard."""
    return list(Mailbox.objects.exclude(last_error="").order_by("name"))


def triage_count() -> int:
    return InboundMail.objects.filter(outcome=InboundMail.Outcome.TRIAGE).count()
