"""Delivering the outbox: lease due messages, hand each to its transport, record what happened.

One ``step()``:

1. Leases up to LIMIT due rows (pending, ``next_attempt_at`` reached, no live lease) under a random token:
   on PostgreSQL the rows are picked with ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent deliverers
   take disjoint rows without waiting; on SQLite the claim is one write transaction (Custode opens them
   IMMEDIATE), so claims follow one another. Either way an UPDATE sets ``lease`` and ``leased_until``.
2. While the step delivers, a heartbeat thread renews its leases every third of LEASE, so a session with a
   slow server, however long, keeps its message; a deliverer that dies stops renewing, and its messages are
   taken over once LEASE has passed. Before each row the lease is renewed (``WHERE lease = token``); a row
   whose lease was lost is skipped. Rows not started within BUDGET seconds are handed back for the next step.
3. Calls the transport. Just before the bytes after which the peer may have the message (the message data
   ending with SMTP's ".", the webhook's request), the transport hands over: the lease is renewed in one
   statement that checks the token, and a lease already lost makes the transport stop without handing over.
   The heartbeat then keeps the lease while the peer thinks (up to the ten minutes RFC 5321 allows a server
   after DATA). The lease is not stretched over that wait: a deliverer killed meanwhile would leave its
   message unsent for as long, where a restart must send it within LEASE.
4. As soon as the peer accepted (SMTP 250 to the end of DATA, before QUIT; HTTP 2xx), the acceptance is
   written to the journal on disk (``custode.notify.accepted``), then the row is marked sent, in one statement
   that checks the token; a step first marks what a deliverer that died had journalled and not marked. On an error it gets ``last_error``, ``attempts + 1`` and the
   next attempt with exponential backoff (10 s, doubling, at most 1 h, jittered), or, 24 h after it was
   written or on a permanent error, the status failed, with a staff alert written in the same transaction.
   When the failure was the peer's (the mail server could not be reached or refused service), the peer is
   tried again by one message 10 s later, then every 20 and 30 s, while the other messages for it wait
   without counting attempts: once it answers, everything waiting goes within those seconds, not after
   each message's own backoff, however long the outage was. A
   transport that is not configured (e-mail without ``CUSTODE_SMTP_URL``) makes the row held, in the same
   checked statement: it waits for staff to release or discard it, never for the setting
   (``custode.notify.services``).

So a message is never lost, and never sent by two deliverers at once while its deliverer can reach the
database. It is sent twice only if its deliverer dies after the peer received the whole message and before the
acceptance is journalled: the time the peer takes to answer (for a slow SMTP server, as long as it thinks after
DATA), plus one write(2); if the machine dies before the kernel wrote the journal out; or if, during that wait, the deliverer's heartbeat cannot reach the
database for LEASE and another deliverer takes the row. No
transport call runs inside a database transaction.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from custode.notify import accepted
from custode.notify.models import Channel, Message
from custode.notify.services import outbox_enqueue
from custode.notify.transports import Abandoned, Attempt, NotConfigured, TransportError
from custode.notify.transports import apprise as apprise_transport
from custode.notify.transports import email as email_transport
from custode.notify.transports import webhook as webhook_transport

log = logging.getLogger("custode.notify")

TRANSPORTS: dict[str, Callable[[Message, Attempt], None]] = {
    Channel.EMAIL: email_transport.send,
    Channel.APPRISE: apprise_transport.send,
    Channel.WEBHOOK: webhook_transport.send,
}
PEERS: dict[str, Callable[[Message], str]] = {
    Channel.EMAIL: email_transport.peer,
    Channel.APPRISE: apprise_transport.peer,
    Channel.WEBHOOK: webhook_transport.peer,
}
# Renewed every third of itself while its deliverer works, and before each delivery; how long the messages of
# a deliverer that died wait before another takes them over.
LEASE = timedelta(seconds=30)
# A step hands back what it has not started after this many seconds, so other deliverers take the messages
# a slow peer would keep waiting, and a SIGTERM is not kept waiting for them either.
BUDGET = 2.0
FIRST_RETRY = 10.0
MAX_RETRY = 3600.0
GIVE_UP_AFTER = timedelta(hours=24)
# A peer that could not be reached is tried again by one message, this long after it failed, doubling up to
# PROBE_MAX; the messages waiting for it count no attempt and go as soon as it answers.
PROBE_FIRST = 10.0
PROBE_MAX = 30.0
# Alerts about failed messages carry keys starting with this; their own failure alerts nobody.
FAILED_ALERT_PREFIX = "failed:"

_told: set[str] = set()


class _Peers:
    """The peers this deliverer could not reach, each with when it is tried next and how long it waited last.

    Kept in memory, on the step's clock (a step may be told what time it is); a wait is never longer than
    PROBE_MAX, even if the clock went back. A restarted deliverer tries every peer again once.
    """

    def __init__(self) -> None:
        self.down: dict[str, tuple[datetime, float]] = {}

    def wait(self, peer: str, now: datetime) -> float:
        """Seconds before PEER may be tried again; 0 when it may be tried now."""
        entry = self.down.get(peer)
        return min(max((entry[0] - now).total_seconds(), 0.0), PROBE_MAX) if entry else 0.0

    def failed(self, peer: str, now: datetime) -> float:
        """Record that PEER could not be reached at NOW; the seconds before it is tried again."""
        last = self.down.get(peer)
        wait = min(last[1] * 2, PROBE_MAX) if last else PROBE_FIRST
        self.down[peer] = (now + timedelta(seconds=wait), wait)
        return wait

    def answered(self, peer: str) -> None:
        self.down.pop(peer, None)

    def clear(self) -> None:
        self.down.clear()


_peers = _Peers()


def step(*, now: datetime | None = None, limit: int = 50) -> bool:
    """Deliver what is due; True if any message was due. NOW (default: the clock) is when this step starts."""
    clock = _clock(now)
    accepted.settle()
    token = secrets.token_hex(16)
    leased = _lease(clock(), limit, token)
    if not leased:
        return False
    with _Heartbeat(token, clock):
        started = time.monotonic()
        for n, message in enumerate(leased):
            if time.monotonic() - started > BUDGET:
                _release(leased[n:], token)
                break
            peer, now = _peer_of(message), clock()
            wait = _peers.wait(peer, now) if peer else 0.0
            if wait and _postponed(message, token, now + timedelta(seconds=wait)):
                continue
            if _renew(message, token, clock()):
                _deliver(message, token, clock, peer)
    return True


def backoff(attempts: int) -> float:
    """Seconds before attempt ATTEMPTS + 1: 10 s after the first failure, doubling, at most an hour, ±10 %."""
    base = min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), MAX_RETRY)
    return base * random.uniform(0.9, 1.1)


def _peer_of(message: Message) -> str:
    find = PEERS.get(message.channel)
    return find(message) if find else ""


def _postponed(message: Message, token: str, until: datetime) -> bool:
    """Hand MESSAGE back until UNTIL, when its peer, found unreachable, is tried again; no attempt is counted
    and its last error stays. False when UNTIL is past the time it is given up, so it is tried now."""
    if until >= _deadline(message):
        return False
    _leased(message, token).update(next_attempt_at=until, lease="", leased_until=None)
    return True


def _deadline(message: Message) -> datetime:
    return (message.released_at or message.created_at) + GIVE_UP_AFTER


def _clock(now: datetime | None) -> Callable[[], datetime]:
    if now is None:
        return timezone.now
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def _due(now: datetime):
    return Message.objects.filter(status=Message.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now))


def _lease(now: datetime, limit: int, token: str) -> list[Message]:
    order = ("next_attempt_at", "id")
    if not _due(now).exists():  # a read: on SQLite an idle step then takes no write lock
        return []
    with transaction.atomic():
        due = _due(now).order_by(*order)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        _due(now).filter(id__in=ids).update(lease=token, leased_until=now + LEASE)
    return list(Message.objects.filter(id__in=ids, lease=token).order_by(*order))


def _renew(message: Message, token: str, now: datetime) -> bool:
    return bool(_leased(message, token).update(leased_until=now + LEASE))


class _Heartbeat:
    """Renews the leases under TOKEN every third of LEASE until the block ends, from a thread (and so a database
    connection) of its own, while the step's thread waits on a peer."""

    def __init__(self, token: str, clock: Callable[[], datetime]) -> None:
        self.token, self.clock = token, clock
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="custode-lease-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.done.wait(LEASE.total_seconds() / 3):
                until = self.clock() + LEASE
                try:
                    Message.objects.filter(lease=self.token, status=Message.Status.PENDING,
                                           leased_until__lt=until).update(leased_until=until)
                except DatabaseError as exc:
                    log.warning("could not renew the leases of messages being delivered (%s); trying again", exc)
        finally:
            connection.close()


class _Attempt:
    """One delivery's dealings with its lease, as the transport reports them (``custode.notify.transports``)."""

    def __init__(self, message: Message, token: str, clock: Callable[[], datetime]) -> None:
        self.message, self.token, self.clock = message, token, clock
        self.marked = False

    def handing_over(self, wait: float) -> None:
        """The transport is about to send the bytes after which the peer may have the message, then wait up to
        WAIT for its answer: refuse if the lease was lost meanwhile, renew it otherwise (the heartbeat keeps it
        during the wait)."""
        if not _leased(self.message, self.token).update(leased_until=self.clock() + LEASE):
            raise Abandoned("the lease was lost to another deliverer before the message was handed over")

    def accepted(self) -> None:
        if not self.marked:
            self.marked = True
            now = self.clock()
            accepted.record(self.message.pk, self.token, now)
            _sent(self.message, self.token, now)


def _release(messages: list[Message], token: str) -> None:
    Message.objects.filter(id__in=[m.pk for m in messages], lease=token, status=Message.Status.PENDING).update(
        lease="", leased_until=None)


def _leased(message: Message, token: str):
    return Message.objects.filter(pk=message.pk, lease=token, status=Message.Status.PENDING)


def _deliver(message: Message, token: str, clock: Callable[[], datetime], peer: str) -> None:
    transport = TRANSPORTS.get(message.channel)
    if transport is None:
        _failed_attempt(message, token, clock(), f"no such channel: {message.channel!r}", permanent=True)
        return
    attempt = _Attempt(message, token, clock)
    try:
        transport(message, attempt)
    except Abandoned as exc:
        log.warning("message %s was not sent: %s", message.pk, exc.message)
    except NotConfigured as exc:
        _not_configured(message, token, exc.message)
    except TransportError as exc:
        now = clock()
        retry = _peers.failed(exc.peer, now) if exc.peer and not exc.permanent else None
        _failed_attempt(message, token, now, exc.message, permanent=exc.permanent, retry=retry)
    except Exception as exc:  # a bug in a transport or a library must not stop the deliverer
        log.exception("delivering message %s failed unexpectedly", message.pk)
        _failed_attempt(message, token, clock(), f"{exc.__class__.__name__}: {exc}", permanent=False)
    else:
        attempt.accepted()
        if peer:
            _peers.answered(peer)


def _sent(message: Message, token: str, now: datetime) -> None:
    marked = _leased(message, token).update(status=Message.Status.SENT, sent_at=now, attempts=F("attempts") + 1,
                                            last_error="", lease="", leased_until=None)
    if not marked:
        log.warning("message %s was delivered after its lease was lost; another deliverer may repeat it",
                    message.pk)


def _not_configured(message: Message, token: str, reason: str) -> None:
    """Hold MESSAGE (attempts are not counted: nothing was tried); staff decide whether it still matters."""
    if reason not in _told:
        _told.add(reason)
        log.error("%s: %s messages are held until staff release or discard them", reason, message.channel)
    _leased(message, token).update(status=Message.Status.HELD, last_error=reason[:500], lease="", leased_until=None)


def _failed_attempt(message: Message, token: str, now: datetime, reason: str, *, permanent: bool,
                    retry: float | None = None) -> None:
    """RETRY, when given, is when the message's unreachable peer is tried again (``_Peers``), in place of the
    message's own backoff."""
    deadline = _deadline(message)
    reason = reason[:500]
    if not permanent and now < deadline:
        wait = backoff(message.attempts + 1) if retry is None else retry
        retry_at = min(now + timedelta(seconds=wait), deadline)
        _leased(message, token).update(attempts=F("attempts") + 1, last_error=reason, lease="", leased_until=None,
                                       next_attempt_at=retry_at)
        return
    with transaction.atomic():
        failed = _leased(message, token).update(status=Message.Status.FAILED, attempts=F("attempts") + 1,
                                                last_error=reason, lease="", leased_until=None)
        if failed:
            log.warning("message %s (%s to %s) failed for good: %s", message.pk, message.channel,
                        message.recipient_name or message.recipient, reason)
            _alert_staff(message, reason)


def _alert_staff(message: Message, reason: str) -> None:
    """Tell staff that MESSAGE failed for good, unless it is itself such an alert (no loops)."""
    if message.key.startswith(FAILED_ALERT_PREFIX):
        return
    try:
        from custode.incidents.messages import delivery_failed
    except ImportError as exc:
        if exc.name != "custode.incidents.messages":
            raise
        return
    message.status, message.last_error, message.attempts = Message.Status.FAILED, reason, message.attempts + 1
    try:
        with transaction.atomic():
            outbox_enqueue(messages=delivery_failed(message))
    except Exception:
        log.exception("could not write the staff alert about failed message %s", message.pk)
