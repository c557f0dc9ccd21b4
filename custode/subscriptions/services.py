"""Signing up for the public status page, confirming, unsubscribing.

A sign-up never tells the caller whether the address was known: it answers the same way and mails a
confirmation link, so the form cannot be used to learn who subscribes. The link carries a signed,
expiring copy of the choice (``CONFIRM_MAX_AGE``); nothing is delivered to the subscriber before it is
followed. Sign-ups are limited per address and per IP (``LIMITS``), counted in the database so every
web process shares the count. Errors are worded in the active language: the form's reader sees them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from custode.assets.models import Asset
from custode.directory.models import Provider
from custode.lib.changes import Invalid
from custode.lib.public_addresses import NotPublic, public_address
from custode.lib.types import LANGUAGES
from custode.notify.services import outbox_enqueue
from custode.subscriptions import notices
from custode.subscriptions.models import Signup, Subscriber

CONFIRM_MAX_AGE = 7 * 24 * 3600
_SALT = "custode.subscriptions.confirm"
# (what is counted, how many sign-ups, in how many seconds)
LIMITS = (("address", 3, 3600), ("address", 10, 86400), ("ip", 10, 3600), ("ip", 50, 86400))


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many sign-ups; try again in {retry_after} s")
        self.retry_after = retry_after


class BadLink(Exception):
    """A confirmation link that was altered, has expired, or names a subscriber that is gone."""


@dataclass(frozen=True)
class Request:
    """What the sign-up form asks for. COMPONENTS are public component keys; none means all."""

    channel: str
    address: str
    email: str
    language: str
    components: tuple[str, ...] = ()


def public_components() -> list[Asset]:
    """What the public page shows and one may subscribe to: the provider's assets marked public."""
    return list(Asset.objects.public().order_by("name", "key"))


def subscribe(request: Request, *, ip: str, now: dt.datetime | None = None) -> Subscriber:
    """Record the sign-up and mail its confirmation link; ``Invalid`` or ``RateLimited`` change nothing."""
    now = now or timezone.now()
    channel, address, email = _checked(request)
    components = _components(request.components)
    language = request.language if request.language in LANGUAGES else Provider.get().language
    digest = _digest(address)
    with transaction.atomic():
        _limit(digest, ip, now)
        signup = Signup.objects.create(at=now, address=digest, ip=ip)
        subscriber, _ = Subscriber.objects.get_or_create(
            channel=channel, address=address, defaults={"email": email, "language": language})
        if not subscriber.active:
            subscriber.email, subscriber.language, subscriber.unsubscribed_at = email, language, None
            subscriber.confirmed_at = None
            subscriber.save(update_fields=["email", "language", "unsubscribed_at", "confirmed_at"])
        link = confirm_link(subscriber, components, language)
        outbox_enqueue(messages=[notices.confirmation(subscriber, components, language, link, signup.pk)])
    return subscriber


def confirm_link(subscriber: Subscriber, components: Iterable[Asset], language: str) -> str:
    """The signed path that confirms SUBSCRIBER with that choice of COMPONENTS."""
    value = signing.dumps({"s": subscriber.pk, "t": subscriber.token[:8], "c": sorted(a.pk for a in components),
                           "l": language}, salt=_SALT, compress=True)
    return f"/status/{Provider.get().status_slug}/subscribe/confirm/{value}/"


def confirmation(value: str) -> tuple[Subscriber, list[Asset], str]:
    """(subscriber, components, language) a confirmation link stands for; ``BadLink`` when it stands for none."""
    try:
        data = signing.loads(value, salt=_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise BadLink(gettext("This confirmation link has expired. Please sign up again.")) from None
    except signing.BadSignature:
        raise BadLink(gettext("This confirmation link is not valid. Please copy the whole link from the e-mail, "
                              "or sign up again.")) from None
    subscriber = Subscriber.objects.filter(pk=data.get("s")).first()
    if subscriber is None or not subscriber.token.startswith(str(data.get("t"))):
        raise BadLink(gettext("This subscription no longer exists. Please sign up again."))
    components = list(Asset.objects.public().filter(pk__in=data.get("c") or []))
    return subscriber, components, data.get("l") if data.get("l") in LANGUAGES else subscriber.language


@transaction.atomic
def confirm(value: str, *, now: dt.datetime | None = None) -> Subscriber:
    """Follow a confirmation link: the subscriber hears from now on about the components chosen."""
    subscriber, components, language = confirmation(value)
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    subscriber.confirmed_at = subscriber.confirmed_at or now or timezone.now()
    subscriber.unsubscribed_at, subscriber.language = None, language
    subscriber.save(update_fields=["confirmed_at", "unsubscribed_at", "language"])
    subscriber.components.set(components)
    return subscriber


def unsubscribe(token: str, *, now: dt.datetime | None = None) -> Subscriber | None:
    """Stop every message to the subscriber holding TOKEN (again is harmless); None when nobody holds it."""
    subscriber = Subscriber.objects.filter(token=token).first() if token else None
    if subscriber is not None and subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now or timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


def _checked(request: Request) -> tuple[str, str, str]:
    """(channel, address, confirmation e-mail), or ``Invalid`` naming the form field at fault."""
    email = request.email.strip()
    if request.channel == Subscriber.Channel.EMAIL:
        email = email or request.address.strip()
        _email(email, "email")
        return request.channel, email.lower(), email
    if request.channel != Subscriber.Channel.WEBHOOK:
        raise Invalid("channel", gettext("Choose e-mail or webhook."))
    if settings.SUBSCRIBER_WEBHOOKS == "off":
        raise Invalid("channel", gettext("This page does not offer webhook subscriptions."))
    url = request.address.strip()
    _webhook_url(url)
    _email(email, "email")
    return request.channel, url, email


def _email(email: str, field: str) -> None:
    if not email:
        raise Invalid(field, gettext("Enter your e-mail address."))
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid(field, gettext("“%(email)s” is not an e-mail address.") % {"email": email}) from None


def _webhook_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        raise Invalid("address", gettext("Enter the URL of your webhook, starting with https://."))
    if settings.SUBSCRIBER_WEBHOOKS != "any" and not _public_host(parts.hostname, parts.port):
        raise Invalid("address", gettext("The webhook must be on a public Internet address."))


def _public_host(host: str, port: int | None) -> bool:
    """Whether HOST is (or resolves only to) public addresses: a public form must not aim Custode inward."""
    try:
        public_address(host, port or 443)
    except NotPublic:
        return False
    return True


def _components(keys: Iterable[str]) -> list[Asset]:
    keys = list(dict.fromkeys(k for k in keys if k))
    found = {a.key: a for a in Asset.objects.public().filter(key__in=keys)}
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise Invalid("components", gettext("There is no component “%(key)s” on this page.") % {"key": unknown[0]})
    return [found[k] for k in keys]


def _digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()


def _limit(address: str, ip: str, now: dt.datetime) -> None:
    for what, most, seconds in LIMITS:
        since = now - dt.timedelta(seconds=seconds)
        times = list(Signup.objects.filter(at__gt=since, **{what: address if what == "address" else ip})
                     .order_by("-at").values_list("at", flat=True)[:most])
        if len(times) == most:  # the oldest of the last MOST sign-ups must age out of the window first
            raise RateLimited(max(1, int((times[-1] - since).total_seconds()) + 1))
    Signup.objects.filter(at__lt=now - dt.timedelta(seconds=max(s for _, _, s in LIMITS))).delete()
