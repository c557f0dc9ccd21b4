"""The outbox: every message Custode sends is a row here before it is a delivery.

A row is created once per recipient and channel for a given event (``key`` is unique), so whatever
writes messages may retry freely. Deliverers lease pending rows (``leased_until``), try to deliver,
and mark them sent or schedule the next attempt; a lease that expires (the deliverer died) makes the
row pending again. Delivery is therefore at-least-once per attempt and exactly-once per key.

A message whose channel Custode cannot use (e-mail without ``CUSTODE_SMTP_URL``) is *held*: never sent by
itself, since by the time the setting is given it may be old news. Staff release it (pending again) or discard
it (``custode.notify.services.messages_release`` / ``messages_discard``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from custode.directory.models import LANGUAGE_CHOICES


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    APPRISE = "apprise", _("Apprise")
    WEBHOOK = "webhook", _("Webhook")


class Audience(models.TextChoices):
    STAFF = "staff", _("Staff")
    CUSTOMER = "customer", _("Customer")
    SUBSCRIBER = "subscriber", _("Subscriber")


class Message(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        HELD = "held", _("Held")
        DISCARDED = "discarded", _("Discarded")

    key = models.CharField(max_length=255, unique=True, help_text=_("idempotency key: event + recipient + channel"))
    topic = models.CharField(max_length=100, blank=True, db_index=True, help_text=_("what it is about, e.g. incident:12"))
    audience = models.CharField(max_length=12, choices=Audience.choices)
    customer = models.ForeignKey(
        "directory.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=500, help_text=_("e-mail address, Apprise URL or webhook URL"))
    recipient_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    payload = models.JSONField(default=dict, blank=True, help_text=_("the JSON document a webhook receives"))
    headers = models.JSONField(default=dict, blank=True, help_text=_("extra e-mail headers"))
    # Files an e-mail carries, named rather than held (``custode.notify.attached``): each {ref, filename,
    # content_type}, its bytes read when the e-mail is built, so a row stays small however large the file.
    files = models.JSONField(default=list, blank=True, help_text=_("files attached to the e-mail, by reference"))

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(blank=True, null=True)
    lease = models.CharField(max_length=32, blank=True, help_text=_("the deliverer holding the lease"))
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(blank=True, null=True)
    released_at = models.DateTimeField(
        blank=True, null=True, help_text=_("when staff released it from held; its 24 hours of retries count from here"))

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient_name or self.recipient}: {self.subject}"
