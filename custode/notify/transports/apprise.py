"""Any Apprise URL (Slack, Telegram, ntfy, Matrix, json://, ...), delivered by the Apprise library.

The message's recipient is the URL; Apprise gets the subject as the title and the body as the body. A URL
Apprise does not understand fails the message at once; a service that does not take it is tried again,
with the reason Apprise logged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import apprise

from custode.notify.models import Message
from custode.notify.transports import Attempt, TransportError

# Longer than a notification takes Apprise: its services connect and read with 4 s timeouts each.
WAIT = 60.0


def peer(message: Message) -> str:
    """Apprise reaches many services, each in its own way: no peer is waited for as a whole."""
    return ""


def send(message: Message, attempt: Attempt) -> None:
    client = apprise.Apprise()
    if not client.add(message.recipient):
        scheme = urlsplit(message.recipient).scheme or message.recipient.partition(":")[0]
        raise TransportError(f"not a URL Apprise can deliver to (scheme {scheme!r})", permanent=True)
    attempt.handing_over(WAIT)
    with client.notify(title=message.subject, body=message.body) as result:
        if not result:
            raise TransportError(f"Apprise: {_reason(result)}")


def _reason(result) -> str:
    """The last warning or error Apprise logged while trying; its own words name the service and the cause."""
    problems = [entry.message for entry in result.logs() if entry.level in ("WARNING", "ERROR", "CRITICAL")]
    return problems[-1] if problems else f"the service did not take the message ({result.status.name.lower()})"
