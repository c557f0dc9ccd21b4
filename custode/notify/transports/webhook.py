"""A signed JSON POST to the message's URL (a ``webhook+https://...`` target).

The body is the message's payload as compact UTF-8 JSON; ``X-Custode-Signature`` carries its HMAC-SHA256
(``custode.notify.signing``), ``X-Custode-Event`` the payload's event and ``X-Custode-Delivery`` the outbox
key, the same on every retry so a receiver can drop a repeat. Any 2xx is delivered; a 4xx other than 408
and 429 says the receiver will never take it, so the message fails at once; anything else is tried again.
Redirects are not followed (a 3xx is tried again later): a signed POST goes where it was configured to go.
A subscriber's URL (from the public page's form) is checked to be on the public Internet at every delivery,
and the POST goes to the address that was checked, so a name that resolves inward later (DNS rebinding)
is refused rather than reached.

http.client from the standard library is enough for one POST with a timeout, and keeps an HTTP client out of
Custode's dependencies.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from custode.checks.errors import reason_for
from custode.lib.public_addresses import NotPublic, public_address
from custode.notify import signing
from custode.notify.models import Audience, Message
from custode.notify.transports import Attempt, TransportError

TIMEOUT = 10.0
RETRYABLE_4XX = {408, 429}
USER_AGENT = "Custode-Webhook/1"


def body_of(message: Message) -> bytes:
    return json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def peer(message: Message) -> str:
    try:
        parts = urlsplit(message.recipient)
        return f"webhook {parts.hostname}:{_port(parts)}" if parts.hostname else ""
    except ValueError:
        return ""


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def send(message: Message, attempt: Attempt) -> None:
    parts = urlsplit(message.recipient)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("a webhook URL must be http:// or https:// with a host", permanent=True)
    port = _port(parts)
    address = _address_for(message, parts.hostname, port)
    body = body_of(message)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Custode-Signature": signing.sign(body),
        "X-Custode-Event": str(message.payload.get("event", "")),
        "X-Custode-Delivery": message.key,
    }
    connection = (_PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP)(parts.hostname, port, address)
    attempt.handing_over(TIMEOUT)
    try:
        connection.request("POST", urlunsplit(("", "", parts.path or "/", parts.query, "")), body, headers)
        answer = connection.getresponse()
        answer.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"webhook {parts.hostname}: {_reason(exc, parts.hostname)}",
                             peer=f"webhook {parts.hostname}:{port}") from None
    finally:
        connection.close()
    if not 200 <= answer.status < 300:
        permanent = 400 <= answer.status < 500 and answer.status not in RETRYABLE_4XX
        raise TransportError(f"webhook {parts.hostname} answered {answer.status} {answer.reason}", permanent=permanent)


def _address_for(message: Message, host: str, port: int) -> str:
    """Where to connect: for a subscriber (a stranger's URL from the public form), an address checked to be
    public at this very delivery, unless CUSTODE_SUBSCRIBER_WEBHOOKS is ``any``; otherwise the host itself."""
    if message.audience != Audience.SUBSCRIBER or settings.SUBSCRIBER_WEBHOOKS == "any":
        return host
    try:
        return public_address(host, port)
    except NotPublic as e:
        raise TransportError(f"webhook {e}: a subscriber's webhook must be on the public Internet",
                             permanent=True) from None


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to HOST's checked ADDRESS: the name is not looked up again between the check and the connection."""

    def __init__(self, host: str, port: int, address: str):
        super().__init__(host, port, timeout=TIMEOUT)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to HOST's checked ADDRESS, the certificate still verified for HOST."""

    def __init__(self, host: str, port: int, address: str):
        super().__init__(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _reason(exc: object, host: str) -> str:
    if isinstance(exc, OSError):
        return reason_for(exc, host=host, timeout=TIMEOUT)
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer ({exc.__class__.__name__})"
    return str(exc)
