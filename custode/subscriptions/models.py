"""People and systems that asked to hear about the public status page: by e-mail or by webhook.

A subscriber is told nothing until the address owner confirms (double opt-in): ``confirmed_at`` is set
only by following the link mailed to ``email``. ``token`` is theirs for good: it is in every message's
unsubscribe link. Unsubscribing keeps the row (``unsubscribed_at``) so the link keeps answering; signing
up again starts over with a new confirmation.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from custode.directory.models import LANGUAGE_CHOICES


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=500, help_text=_("the e-mail address, or the URL a webhook is posted to"))
    email = models.EmailField(max_length=254, help_text=_("where the confirmation goes (for e-mail, the address)"))
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    components = models.ManyToManyField("assets.Asset", blank=True, related_name="+",
                                        help_text=_("the public components chosen; none means all of them"))
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(blank=True, null=True)
    unsubscribed_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="subscriber_channel_address")]

    def __str__(self) -> str:
        return f"{self.channel}: {self.address}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Signup(models.Model):
    """One sign-up request, kept a day so sign-ups can be limited per address and per IP."""

    at = models.DateTimeField(db_index=True)
    address = models.CharField(max_length=64, db_index=True, help_text=_("a digest of the address signed up"))
    ip = models.GenericIPAddressField(db_index=True)
