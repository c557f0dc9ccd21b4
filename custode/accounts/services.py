"""API tokens: created per staff user, read-only or read-write, shown once, stored as a hash."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from custode.accounts.models import ApiToken, token_hash
from custode.directory.models import Customer
from custode.lib.changes import NotFound

PREFIX = "cus_"


def token_create(*, username: str, name: str = "api", can_write: bool = False,
                 customer: str | None = None) -> tuple[ApiToken, str]:
    """A new token for USERNAME and its secret, which is never stored and cannot be shown again. With
    CUSTOMER (a customer's id), the token sees and touches that customer's objects only."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise NotFound("user", username)
    owner = None
    if customer is not None:
        owner = Customer.objects.filter(key=customer).first()
        if owner is None:
            raise NotFound("customer", customer)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], digest=token_hash(secret), can_write=can_write, customer=owner
    )
    return token, secret


def token_authenticate(secret: str) -> ApiToken | None:
    technician = Q(user__is_staff=True) | Q(user__staff__isnull=False)  # as the staff pages ask (web.access)
    token = (ApiToken.objects.select_related("user", "customer")
             .filter(technician, digest=token_hash(secret), user__is_active=True).first())
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
