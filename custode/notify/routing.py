"""Where a notify target delivers: our own e-mail, a signed webhook, or an Apprise URL.

Targets are what the config's ``notify`` lists hold (see ``custode.lib.notify_targets``):
- ``email``: the person's own address, sent through ``CUSTODE_SMTP_URL``;
- ``mailto://someone@example.com`` with no credentials or host: the same, to that address;
- ``webhook+https://host/path`` (or ``webhook+http://``): a JSON POST signed with HMAC-SHA256;
- anything else: an Apprise URL, delivered by the Apprise library.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from custode.notify.models import Channel

WEBHOOK_PREFIX = "webhook+"


def route(target: str, own_email: str | None) -> tuple[str, str] | None:
    """(channel, recipient) for a target, or None when it cannot be delivered (``email`` with no address)."""
    if target == "email":
        return (Channel.EMAIL, own_email) if own_email else None
    if target.startswith(WEBHOOK_PREFIX):
        return Channel.WEBHOOK, target[len(WEBHOOK_PREFIX):]
    address = plain_mailto(target)
    if address:
        return Channel.EMAIL, address
    return Channel.APPRISE, target


def plain_mailto(target: str) -> str | None:
    """The address of ``mailto://user@domain`` when it carries no SMTP settings of its own."""
    parts = urlsplit(target)
    if parts.scheme != "mailto" or parts.query or parts.password:
        return None
    address = unquote(parts.netloc + parts.path).strip("/")
    return address if address.count("@") == 1 and "/" not in address else None
