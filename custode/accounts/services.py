"""API tokens: created per staff user, read-only or read-write, shown once, stored as a hash."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.utils import timezone

from custode.accounts.models import ApiToken, token_hash
from custode.lib.changes import NotFound

PREFIX = "cus_"


def token_create(*, username: str, name: str = "api", can_write: bool = False) -> tuple[ApiToken, str]:
    """A new token for USERNAME and its secret, which is never stored and cannot be shown again."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("user", username)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], digest=token_hash(secret), can_write=can_write
    )
    return token, secret


def token_authenticate(secret: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(digest=token_hash(secret), user__is_active=True).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
