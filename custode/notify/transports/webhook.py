"""A signed JSON POST to the message's URL (a ``webhook+https://...`` target).

The body is the message's payload as compact UTF-8 JSON; ``X-Custode-Signature`` carries its HMAC-SHA256
(``custode.notify.signing``), ``X-Custode-Event`` the payload's event and ``X-Custode-Delivery`` the outbox
key, the same on every retry so a receiver can drop a repeat. Any 2xx is delivered; a 4xx other than 408
and 429 says the receiver will never take it, so the message fails at once; anything else is tried again.
Redirects are not followed: a signed POST goes where it was configured to go.

urllib from the standard library is enough for one POST with a timeout, and keeps an HTTP client out of
Custode's dependencies.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from custode.checks.errors import reason_for
from custode.notify import signing
from custode.notify.models import Message
from custode.notify.transports import Attempt, TransportError

TIMEOUT = 10.0
RETRYABLE_4XX = {408, 429}
USER_AGENT = "Custode-Webhook/1"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def body_of(message: Message) -> bytes:
    return json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def send(message: Message, attempt: Attempt) -> None:
    parts = urlsplit(message.recipient)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("a webhook URL must be http:// or https:// with a host", permanent=True)
    body = body_of(message)
    request = urllib.request.Request(message.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Custode-Signature": signing.sign(body),
        "X-Custode-Event": str(message.payload.get("event", "")),
        "X-Custode-Delivery": message.key,
    })
    attempt.handing_over(TIMEOUT)
    try:
        with _opener.open(request, timeout=TIMEOUT) as answer:
            answer.read(65536)
    except urllib.error.HTTPError as exc:
        exc.close()
        permanent = 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX
        raise TransportError(f"webhook {parts.hostname} answered {exc.code} {exc.reason}", permanent=permanent) \
            from None
    except urllib.error.URLError as exc:
        raise TransportError(f"webhook {parts.hostname}: {_reason(exc.reason, parts.hostname)}") from None
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"webhook {parts.hostname}: {_reason(exc, parts.hostname)}") from None


def _reason(exc: object, host: str) -> str:
    if isinstance(exc, OSError):
        return reason_for(exc, host=host, timeout=TIMEOUT)
    if isinstance(exc, http.client.HTTPException):
        return f"not an HTTP answer ({exc.__class__.__name__})"
    return str(exc)
