"""Reading a mailbox over IMAP: ``CUSTODE_IMAP_URL`` and a read-only session on it.

    imap://user:password@host[:port]/INBOX      plain IMAP (port 143)
    imaps://user:password@host[:port]/INBOX     TLS from the first byte (port 993)

User and password are percent-encoded; the path names the folder (INBOX when absent). The mailbox is opened
read-only (EXAMINE) and messages are fetched with BODY.PEEK: Custode changes nothing in it, not even the \\Seen
flags, so people may read the same mailbox with their own client. What was already taken is known by UID
(``custode.tickets.inbox``), not by flags.

The standard library's imaplib is enough here: one folder, SEARCH and FETCH by UID, no IDLE. This module imports
nothing of Django: ``custode.settings`` reads it.
"""

from __future__ import annotations

import imaplib
import os
import re
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from custode.lib import durations
from custode.lib.env import SettingError, redacted_url

CONNECT_TIMEOUT = 20.0  # seconds for each answer of the server; a mailbox that hangs is tried again later


@dataclass(frozen=True)
class ImapMailbox:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    folder: str

    @property
    def name(self) -> str:
        """How logs and staff pages name the mailbox: user@host:port/folder, never the password."""
        return f"{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class MailSettings:
    url: str = ""
    every: float = 60.0  # seconds between looks at the mailbox
    max_attachment: int = 10 * 1024 * 1024  # bytes; a larger attachment is named on the ticket, not kept


class MailboxError(Exception):
    """The mailbox cannot be read now (refused login, unreachable, no such folder); the message names it."""


def parse_url(url: str) -> ImapMailbox:
    """The mailbox a CUSTODE_IMAP_URL names; ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise ValueError("must start with imap:// or imaps://, like imaps://desk%40example.com:secret@mail.example.com/INBOX")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError("names no host, like imaps://user:password@mail.example.com/INBOX")
    if not parts.username or parts.password is None:
        raise ValueError("names no user and password, like imaps://user:password@mail.example.com/INBOX")
    if parts.query or parts.fragment:
        raise ValueError("takes no options after the folder")
    tls = parts.scheme == "imaps"
    return ImapMailbox(host=parts.hostname, port=port or (993 if tls else 143), tls=tls,
                       user=unquote(parts.username), password=unquote(parts.password),
                       folder=unquote(parts.path.strip("/")) or "INBOX")


def settings_from_env(environ: Mapping[str, str] = os.environ) -> MailSettings:
    """CUSTODE_IMAP_URL, CUSTODE_IMAP_EVERY (60s) and CUSTODE_MAIL_MAX_ATTACHMENT (10MB); SettingError in one
    line naming the variable when a value cannot be used."""
    url = environ.get("CUSTODE_IMAP_URL", "").strip()
    if url:
        try:
            parse_url(url)
        except ValueError as exc:
            raise SettingError(f"CUSTODE_IMAP_URL={redacted_url(url)!r}: {exc}") from None
    every = environ.get("CUSTODE_IMAP_EVERY", "").strip()
    try:
        seconds = durations.parse(every) if every else MailSettings.every
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise SettingError(f"CUSTODE_IMAP_EVERY={every!r}: must be a duration of a second or more, like 30s or 2m")
    size = environ.get("CUSTODE_MAIL_MAX_ATTACHMENT", "").strip()
    limit = parse_size(size) if size else MailSettings.max_attachment
    if limit is None:
        raise SettingError(f"CUSTODE_MAIL_MAX_ATTACHMENT={size!r}: must be a size like 500KB, 10MB or 0 (keep none)")
    return MailSettings(url=url, every=seconds, max_attachment=limit)


_SIZE = re.compile(r"^(\d+)\s*(|B|KB|MB|GB)$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3}


def parse_size(text: str) -> int | None:
    match = _SIZE.match(text)
    return int(match.group(1)) * _UNITS[match.group(2).lower()] if match else None


class Session:
    """A logged-in, read-only look at one folder: ``uidvalidity``, ``new_uids(after)``, ``fetch(uid)``."""

    def __init__(self, mailbox: ImapMailbox, timeout: float = CONNECT_TIMEOUT) -> None:
        self.mailbox = mailbox
        self.timeout = timeout
        self.client: imaplib.IMAP4 | None = None
        self.uidvalidity = 0

    def __enter__(self) -> Session:
        box = self.mailbox
        try:
            if box.tls:
                self.client = imaplib.IMAP4_SSL(box.host, box.port, ssl_context=ssl.create_default_context(),
                                                timeout=self.timeout)
            else:
                self.client = imaplib.IMAP4(box.host, box.port, timeout=self.timeout)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"mailbox {box.name}: cannot connect: {_why(exc)}") from None
        try:
            self.client.login(box.user, box.password)
        except imaplib.IMAP4.error as exc:
            self.close()
            raise MailboxError(f"mailbox {box.name}: login refused: {_text(exc)}") from None
        except OSError as exc:
            self.close()
            raise MailboxError(f"mailbox {box.name}: connection lost at login: {_why(exc)}") from None
        try:
            self.uidvalidity = self._examine()
        except MailboxError:
            self.close()
            raise
        return self

    def _examine(self) -> int:
        status, data = self._call(self.client.select, _quoted(self.mailbox.folder), readonly=True)
        if status != "OK":
            raise MailboxError(f"mailbox {self.mailbox.name}: cannot open the folder: {_text(data)}")
        found = self.client.response("UIDVALIDITY")[1]
        if not found or not found[0]:
            raise MailboxError(f"mailbox {self.mailbox.name}: the server gave no UIDVALIDITY")
        return int(found[0])

    def new_uids(self, after: int) -> list[int]:
        """UIDs above AFTER, oldest first."""
        status, data = self._call(self.client.uid, "SEARCH", f"UID {after + 1}:*")
        if status != "OK":
            raise MailboxError(f"mailbox {self.mailbox.name}: SEARCH failed: {_text(data)}")
        uids = [int(n) for n in b" ".join(d for d in data if d).split()]
        return sorted(uid for uid in uids if uid > after)  # "n:*" also matches the last message below n

    def size(self, uid: int) -> int | None:
        status, data = self._call(self.client.uid, "FETCH", str(uid), "(RFC822.SIZE)")
        match = re.search(rb"RFC822\.SIZE (\d+)", data[0] or b"") if status == "OK" and data else None
        return int(match.group(1)) if match else None

    def fetch(self, uid: int, part: str = "BODY.PEEK[]") -> bytes | None:
        """The message UID, whole (or PART of it: BODY.PEEK[HEADER]); None when it is gone meanwhile."""
        status, data = self._call(self.client.uid, "FETCH", str(uid), f"({part})")
        if status != "OK":
            raise MailboxError(f"mailbox {self.mailbox.name}: FETCH {uid} failed: {_text(data)}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2:
                return item[1]
        return None

    def _call(self, method, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"mailbox {self.mailbox.name}: {_why(exc)}") from None

    def close(self) -> None:
        if self.client is None:
            return
        try:
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
        self.client = None

    def __exit__(self, *exc: object) -> None:
        self.close()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, imaplib.IMAP4.error):
        value = value.args[0] if value.args else ""
    if isinstance(value, list):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip() or "no reason given"


def _why(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer (timed out)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror})"
    if isinstance(exc, imaplib.IMAP4.error):
        return _text(exc)
    return exc.strerror or str(exc) or exc.__class__.__name__ if isinstance(exc, OSError) else str(exc)
