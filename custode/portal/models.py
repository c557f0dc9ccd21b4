"""The customer portal: how a customer's contact gets in (a one-time link sent by e-mail), and the requests
for one counted for the rate limits.

A link is stored only as a digest of its token; following it is an ``UPDATE ... WHERE used_at IS NULL``
that changes one row or none, so it works once however many tabs open it at the same moment.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginLink(models.Model):
    contact = models.ForeignKey("directory.Contact", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True, help_text=_("SHA-256 of the token the e-mail carries"))
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-id"]


class LoginRequest(models.Model):
    """One use of the login form, known address or not: what the limits per address and per IP count."""

    at = models.DateTimeField(db_index=True)
    address = models.CharField(max_length=64, db_index=True, help_text=_("a digest of the address typed"))
    ip = models.GenericIPAddressField(db_index=True)


class CallbackHours(models.Model):
    """When a staff member takes booked calls (``staff[].callbacks``: the grammar of support hours, in the
    provider's timezone)."""

    staff = models.OneToOneField("directory.StaffProfile", on_delete=models.CASCADE, related_name="callback_hours")
    hours = models.CharField(max_length=200, help_text=_('like "mon-fri 14:00-17:00"'))

    def __str__(self) -> str:
        return f"{self.staff}: {self.hours}"


class CallbackSetup(models.Model):
    """The length of a callback slot (``provider.callback_slot``). There is one row, pk=1."""

    slot = models.PositiveIntegerField(default=15 * 60, help_text=_("seconds"))

    @classmethod
    def get(cls) -> CallbackSetup:
        return cls.objects.get_or_create(pk=1)[0]


class Callback(models.Model):
    """A call a contact booked: a ticket (channel ``phone``) assigned to the staff member of the slot.

    A slot is taken once: the database refuses a second live booking of one staff member at one start
    (``callback_slot_once``), so of two contacts racing for it one wins and the other is told; cancelling
    (``cancelled_at``) frees it."""

    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, related_name="callbacks")
    contact = models.ForeignKey("directory.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    staff = models.ForeignKey("directory.StaffProfile", on_delete=models.CASCADE, related_name="callbacks")
    start = models.DateTimeField()
    end = models.DateTimeField()
    phone = models.CharField(max_length=40)
    topic = models.CharField(max_length=200)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="callback")
    booked_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [models.UniqueConstraint(fields=["staff", "start"], condition=models.Q(cancelled_at__isnull=True),
                                               name="callback_slot_once")]
