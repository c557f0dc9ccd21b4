"""The acceptance journal: which messages a peer accepted, on disk, until their sent mark is in the database.

Between a peer's acceptance (SMTP 250 to the end of DATA, HTTP 2xx) and the commit of the sent mark, a
deliverer that dies leaves a message the peer has and the outbox does not know it has; the next deliverer
sends it again. On SQLite that commit may wait for the write lock (behind the engine's results and the incident
loop, up to a second), and the window was that long. With the journal it is one ``write(2)``: the deliverer
appends the message's id and its lease token before it marks the message sent; each delivery step first
marks as sent every journalled message still pending under the token it was accepted with (nobody has taken
it over since) and then drops those lines.

A line is written, not fsynced: it outlives its process (the kernel holds it), not the machine. The journal is
one per data directory; deliverers sharing a database from other machines (PostgreSQL) keep their own, so a
message one of them journalled and died before marking is repeated only if another machine's deliverer takes
it over before this one's next step, 30 s (the lease) at the earliest.
"""

from __future__ import annotations

import fcntl
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from django.conf import settings
from django.db.models import F

from custode.notify.models import Message

log = logging.getLogger("custode.notify")

NAME = "outbox-accepted.journal"
_broken: set[str] = set()


def path() -> Path:
    return Path(settings.DATA_DIR) / NAME


def record(message_id: int, token: str, at: datetime) -> None:
    """Append that MESSAGE_ID, leased under TOKEN, was accepted AT. Never raises: without the journal the
    message is still marked sent, only with the wider window."""
    line = f"{message_id} {token} {at.timestamp():.6f}\n".encode()
    try:
        fd = os.open(path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        _warn_once(f"could not write the acceptance journal {path()} ({exc}); a deliverer that dies just after a "
                   f"peer accepted a message may send it again")


def settle() -> int:
    """Mark as sent the journalled messages still pending under their token, then drop the journal's lines
    that were read. Returns how many messages were marked."""
    try:
        if path().stat().st_size == 0:
            return 0
        entries = _read()
    except FileNotFoundError:
        return 0
    except OSError as exc:
        _warn_once(f"could not read the acceptance journal {path()} ({exc})")
        return 0
    unmarked = set(Message.objects.filter(pk__in=[message_id for message_id, _ in entries],
                                          status=Message.Status.PENDING).values_list("pk", "lease"))
    marked = 0
    for (message_id, token), at in entries.items():
        if (message_id, token) in unmarked:  # a read first: on SQLite a step with nothing to mark writes nothing
            marked += Message.objects.filter(pk=message_id, lease=token, status=Message.Status.PENDING).update(
                status=Message.Status.SENT, sent_at=at, attempts=F("attempts") + 1, last_error="", lease="",
                leased_until=None)
    if marked:
        log.info("marked %d message(s) sent that a peer had accepted before their deliverer stopped", marked)
    _drop(set(entries))
    return marked


def _read() -> dict[tuple[int, str], datetime]:
    with open(path(), "rb") as journal:
        fcntl.flock(journal, fcntl.LOCK_SH)
        return dict(_parse(line) for line in journal.read().splitlines() if _valid(line))


def _drop(seen: set[tuple[int, str]]) -> None:
    """Rewrite the journal without SEEN, keeping lines appended since it was read."""
    with open(path(), "r+b") as journal:
        fcntl.flock(journal, fcntl.LOCK_EX)
        kept = [line for line in journal.read().splitlines() if _valid(line) and _parse(line)[0] not in seen]
        journal.seek(0)
        journal.truncate()
        journal.write(b"".join(line + b"\n" for line in kept))


def _valid(line: bytes) -> bool:
    """A whole line: an append cut by a full disk leaves a fragment, which is skipped (and dropped)."""
    parts = line.split()
    return len(parts) == 3 and parts[0].isdigit() and len(parts[1]) == 32 and parts[2].replace(b".", b"").isdigit()


def _parse(line: bytes) -> tuple[tuple[int, str], datetime]:
    message_id, token, at = line.split()
    return (int(message_id), token.decode()), datetime.fromtimestamp(float(at), tz=timezone.utc)


def _warn_once(text: str) -> None:
    if text not in _broken:
        _broken.add(text)
        log.warning(text)
