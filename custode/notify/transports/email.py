"""E-mail over SMTP to ``CUSTODE_SMTP_URL``.

    smtp://host[:port]                  plain SMTP (port 25)
    smtp://host:587?starttls=true       upgraded with STARTTLS before anything is sent
    smtps://host[:port]                 TLS from the first byte (port 465)
    smtp://user:password@host:port      with AUTH; user and password percent-encoded

Each message is one SMTP session: the deliverer marks it sent as soon as the server has answered 250 to
the end of its DATA, before the QUIT. Each step waits as long as ``settings.SMTP_TIMEOUTS`` says for it
(``custode.notify.timeouts``: RFC 5321's waits, a short connection), so a server that takes minutes to accept a
message is waited for rather than sent it again. The Message-ID is derived from the outbox key, so the one
duplicate a crash can cause (after the server received the final ".", before the mark) carries the same
Message-ID as the original.
"""

from __future__ import annotations

import functools
import hashlib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings

from custode.checks.errors import reason_for
from custode.directory.models import Provider
from custode.lib import durations
from custode.lib.env import redacted_url as redacted  # noqa: F401  (the notifier's name for it)
from custode.notify import attached as attached_files
from custode.notify.models import Message
from custode.notify.timeouts import SmtpTimeouts
from custode.notify.transports import Abandoned, Attempt, NotConfigured, TransportError

COMMANDS = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"}
OWN_HEADERS = {"from", "to", "subject", "date", "message-id", "content-type", "content-transfer-encoding",
               "mime-version"}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False
    starttls: bool = False
    user: str = ""
    password: str = ""


def parse_url(url: str) -> SmtpServer:
    """The server a CUSTODE_SMTP_URL names; ValueError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("must start with smtp:// or smtps://, like smtp://127.0.0.1:2525")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("the port must be a number from 1 to 65535") from None
    if not parts.hostname:
        raise ValueError("names no host, like smtp://mail.example.com:587")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(options) - {"starttls"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}; the only option is starttls=true")
    starttls = options.get("starttls", "false").lower()
    if starttls not in ("true", "false"):
        raise ValueError(f"starttls={starttls!r}: must be true or false")
    if parts.scheme == "smtps" and starttls == "true":
        raise ValueError("smtps:// is TLS already; starttls=true goes with smtp://")
    tls = parts.scheme == "smtps"
    return SmtpServer(host=parts.hostname, port=port or (465 if tls else 25), tls=tls, starttls=starttls == "true",
                      user=unquote(parts.username or ""), password=unquote(parts.password or ""))


def sender() -> str:
    """CUSTODE_MAIL_FROM, else the provider's contact e-mail, else custode@ this host's name."""
    return settings.MAIL_FROM or Provider.get().contact_email or f"custode@{_host_name()}"


@functools.cache
def _host_name() -> str:
    return socket.getfqdn()  # may ask DNS: once per process


def build(message: Message, from_address: str) -> EmailMessage:
    mail = EmailMessage()
    domain = from_address.rpartition("@")[2] or "custode.invalid"
    mail["From"] = formataddr((Provider.get().name, from_address))
    mail["To"] = Address(message.recipient_name, addr_spec=message.recipient) if message.recipient_name \
        else message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(usegmt=True)
    # a writer may choose it (a ticket reply's, for the answer to thread back); else derived from the key
    mail["Message-ID"] = (message.headers or {}).get("Message-ID") or \
        f"<{message.pk}.{hashlib.sha1(message.key.encode()).hexdigest()[:16]}@{domain}>"
    headers = {"Auto-Submitted": "auto-generated", **(message.headers or {})}  # no out-of-office replies
    for name, value in headers.items():
        if name.lower() not in OWN_HEADERS:
            mail[name] = str(value)
    mail.set_content(message.body, charset="utf-8", cte="quoted-printable")  # 7-bit: any relay takes it
    for attached in (message.payload or {}).get("attachments", []):  # a text file beside it: a callback's .ics
        maintype, _, subtype = attached["content_type"].partition("/")  # bytes: its CRLF line ends stay
        mail.add_attachment(attached["text"].encode(), maintype=maintype, subtype=subtype, filename=attached["filename"])
    for named in message.files or []:  # a file kept elsewhere (a monthly report's PDF), read now
        maintype, _, subtype = named["content_type"].partition("/")
        mail.add_attachment(attached_files.read(named["ref"]), maintype=maintype, subtype=subtype,
                            filename=named["filename"])
    return mail


def peer(message: Message) -> str:
    try:
        return _peer(parse_url(settings.SMTP_URL)) if settings.SMTP_URL else ""
    except ValueError:
        return ""


def _peer(server: SmtpServer) -> str:
    return f"smtp {server.host}:{server.port}"


def send(message: Message, attempt: Attempt) -> None:
    if not settings.SMTP_URL:
        raise NotConfigured("CUSTODE_SMTP_URL is not set")
    try:
        server = parse_url(settings.SMTP_URL)
    except ValueError as exc:
        raise NotConfigured(f"CUSTODE_SMTP_URL {exc}") from None
    try:
        mail = build(message, sender())
    except (ValueError, TypeError, MessageError, attached_files.Missing) as exc:
        raise TransportError(f"cannot write this e-mail: {exc}", permanent=True) from None
    client = None
    try:
        client = _connect(server, settings.SMTP_TIMEOUTS, attempt)
        _deliver(client, server, mail)
        attempt.accepted()
    except Abandoned:
        client.close()  # mid-DATA: a message without its final "." is discarded by the server
        client = None
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise TransportError(f"SMTP: recipient refused: {_reply(code, text)}", permanent=code >= 500) from None
    except smtplib.SMTPDataError as exc:
        raise TransportError(f"SMTP: message refused: {_reply(exc.smtp_code, exc.smtp_error)}",
                             permanent=exc.smtp_code >= 500) from None
    except smtplib.SMTPResponseException as exc:
        raise TransportError(f"SMTP {server.host}:{server.port}: {_reply(exc.smtp_code, exc.smtp_error)}",
                             peer=_peer(server)) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise TransportError(f"SMTP {server.host}:{server.port}: {_problem(exc, client, server)}",
                             peer=_peer(server)) from None
    finally:
        if client is not None:
            _quit(client)


class _Stepped:
    """Mixed into smtplib's clients: each step waits for the server as long as TIMEOUTS says for it (the socket's
    timeout is set before each command, and around the message's bytes), and ATTEMPT hears when the message's
    bytes are about to go: from the final "." on, the server may deliver it whatever happens to us.
    """

    def __init__(self, *args, timeouts: SmtpTimeouts, attempt: Attempt, **kwargs) -> None:
        self.timeouts, self.attempt = timeouts, attempt
        self.step, self.wait = "connect", timeouts.connect
        super().__init__(*args, timeout=timeouts.connect, **kwargs)

    def putcmd(self, cmd: str, args: str = "") -> None:
        step = cmd.split()[0].upper() if cmd.strip() else ""
        step = step if step in COMMANDS else "AUTH"  # AUTH's continuation lines, never shown: they hold secrets
        self._waiting(step, {"DATA": self.timeouts.data_start,
                             "QUIT": self.timeouts.connect}.get(step, self.timeouts.command))
        super().putcmd(cmd, args)

    def getreply(self):
        code, text = super().getreply()
        if self.step == "DATA" and code == 354:
            self.step = "message"
        return code, text

    def send(self, s) -> None:
        if self.step != "message":  # a command, from putcmd
            return super().send(s)
        self.attempt.handing_over(self.timeouts.after_handover)
        self._waiting("message", self.timeouts.data_block)
        super().send(s)
        self._waiting("end of DATA", self.timeouts.data_end)

    def _waiting(self, step: str, seconds: float) -> None:
        self.step, self.wait = step, seconds
        if self.sock:
            self.sock.settimeout(seconds)


class _Client(_Stepped, smtplib.SMTP):
    pass


class _TlsClient(_Stepped, smtplib.SMTP_SSL):
    pass


def _connect(server: SmtpServer, timeouts: SmtpTimeouts, attempt: Attempt) -> smtplib.SMTP:
    if server.tls:
        return _TlsClient(server.host, server.port, timeouts=timeouts, attempt=attempt,
                          context=ssl.create_default_context())
    return _Client(server.host, server.port, timeouts=timeouts, attempt=attempt)


def _deliver(client: smtplib.SMTP, server: SmtpServer, mail: EmailMessage) -> None:
    if server.starttls:
        client.starttls(context=ssl.create_default_context())
    if server.user:
        client.login(server.user, server.password)
    client.send_message(mail)


def _problem(exc: BaseException, client: _Stepped | None, server: SmtpServer) -> str:
    """What went wrong, naming the step a timeout cut short: "no answer to RCPT within 5m"."""
    if isinstance(exc.__context__, TimeoutError) or (client and isinstance(exc, TimeoutError)):
        step, wait = (client.step, client.wait) if client else ("the greeting", settings.SMTP_TIMEOUTS.connect)
        if step == "message":
            return f"the server read no more of the message within {durations.format(wait)}"
        return f"no answer to {step} within {durations.format(wait)}"
    if isinstance(exc, smtplib.SMTPException):  # an OSError too, but its words are better than the errno's
        return str(exc)
    return reason_for(exc, host=server.host, timeout=settings.SMTP_TIMEOUTS.connect)


def _quit(client: smtplib.SMTP) -> None:
    """Once the server took the message, a failing QUIT must not make it look undelivered."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(text.split())}"
