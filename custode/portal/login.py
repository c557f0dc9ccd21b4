"""Getting into the portal: a contact asks for a link by e-mail address, follows it once within 15 minutes.

The form answers the same way whether the address belongs to a contact or not, and the same number of
requests count against the limits either way, so it cannot be used to learn who is a customer. An address
that two contacts share (one person for two customers) gets one link per contact, each naming its customer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from custode.directory.models import Contact, Provider
from custode.incidents import contexts, templating, wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient
from custode.notify.services import outbox_enqueue
from custode.portal.models import LoginLink, LoginRequest

LINK_AGE = dt.timedelta(minutes=15)
SESSION_AGE = 8 * 3600  # seconds a portal session lasts after logging in
# (what is counted, how many requests, in how many seconds)
LIMITS = (("address", 5, 3600), ("address", 20, 86400), ("ip", 20, 3600), ("ip", 100, 86400))


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"too many login requests; try again in {retry_after} s")
        self.retry_after = retry_after


class BadLink(Exception):
    """A link that is unknown, already used or expired (``reason``); ``contact`` is whose it was, when known,
    so the page that says so speaks their language."""

    def __init__(self, reason: str, contact: Contact | None = None):
        super().__init__(reason)
        self.reason = reason
        self.contact = contact


def language_of(contact: Contact) -> str:
    """The language the portal speaks to CONTACT: theirs, else their customer's, else the provider's."""
    return wording.known(contact.language or contact.customer.language or Provider.get().language)


def login_request(*, email: str, ip: str, now: dt.datetime | None = None) -> int:
    """Count the request, then mail a link to each contact with address EMAIL; returns how many were mailed.
    ``RateLimited`` records and sends nothing."""
    now = now or timezone.now()
    address = email.strip().lower()
    digest = hashlib.sha256(address.encode()).hexdigest()
    with transaction.atomic():
        _limit(digest, ip, now)
        LoginRequest.objects.create(at=now, address=digest, ip=ip)
        contacts = list(Contact.objects.select_related("customer").filter(email__iexact=address)) if address else []
        for contact in contacts:
            token = secrets.token_urlsafe(32)
            link = LoginLink.objects.create(contact=contact, digest=_digest(token), created_at=now,
                                            expires_at=now + LINK_AGE)
            outbox_enqueue(messages=[_mail(contact, link, token)])
    return len(contacts)


def _limit(address: str, ip: str, now: dt.datetime) -> None:
    for what, most, seconds in LIMITS:
        since = now - dt.timedelta(seconds=seconds)
        times = list(LoginRequest.objects.filter(at__gt=since, **{what: address if what == "address" else ip})
                     .order_by("-at").values_list("at", flat=True)[:most])
        if len(times) == most:  # the oldest of the last MOST must age out of the window first
            raise RateLimited(max(1, int((times[-1] - since).total_seconds()) + 1))
    LoginRequest.objects.filter(at__lt=now - dt.timedelta(seconds=max(s for _, _, s in LIMITS))).delete()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _mail(contact: Contact, link: LoginLink, token: str) -> Outgoing:
    provider = Provider.get()
    language = language_of(contact)
    r = Recipient(f"contact:{contact.pk}", contact.name, language, Channel.EMAIL, contact.email)
    context = {**contexts.common(provider, r, contexts.signer_of(None, provider)),
               "customer": contact.customer.name, "url": absolute(f"/portal/login/{token}/"),
               "minutes": int(LINK_AGE.total_seconds() // 60)}
    subject, body = templating.render("portal_login", language, context)
    return Outgoing(key=f"portal-login:{link.pk}", audience=Audience.CUSTOMER, channel=r.channel,
                    recipient=r.address, language=language, subject=subject, body=body, recipient_name=r.name,
                    topic=f"portal:{contact.pk}", customer_id=contact.customer_id)


def link_contact(token: str, *, now: dt.datetime | None = None) -> Contact:
    """The contact TOKEN's link would log in, without using it; ``BadLink`` when it cannot."""
    link = LoginLink.objects.select_related("contact__customer").filter(digest=_digest(token)).first()
    if link is None:
        raise BadLink("unknown")
    if link.used_at is not None:
        raise BadLink("used", link.contact)
    if link.expires_at <= (now or timezone.now()):
        raise BadLink("expired", link.contact)
    return link.contact


def login_redeem(token: str, *, now: dt.datetime | None = None) -> Contact:
    """Use TOKEN's link: its contact, once. A second use, or one after 15 minutes, is ``BadLink``."""
    now = now or timezone.now()
    contact = link_contact(token, now=now)
    taken = LoginLink.objects.filter(digest=_digest(token), used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if taken != 1:
        raise BadLink("used", contact)
    return contact
