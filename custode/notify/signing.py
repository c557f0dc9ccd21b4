"""The HMAC-SHA256 signature of webhook bodies, made and checked in one place.

The secret is ``CUSTODE_WEBHOOK_SECRET``; without it, a value derived from the install's secret key, so
every install signs with a secret of its own (the README shows how to print it for a receiver).
Receivers compare the ``X-Custode-Signature`` header with ``sign(raw body)``.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

PREFIX = "sha256="


def secret() -> bytes:
    if settings.WEBHOOK_SECRET:
        return settings.WEBHOOK_SECRET.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"custode-webhook", hashlib.sha256).hexdigest().encode()


def sign(body: bytes) -> str:
    """The header value for BODY: ``sha256=<hex HMAC-SHA256>``."""
    return PREFIX + hmac.new(secret(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(body), header.strip())
