"""Who is involved: the provider, its staff, the plans it sells, its customers and their contacts."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from custode.lib.types import LANGUAGES

LANGUAGE_CHOICES = [(code, code) for code in LANGUAGES]


class Provider(models.Model):
    """The managed-service provider running this Custode. There is one row, pk=1."""

    name = models.CharField(max_length=200, default="Custode")
    timezone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    contact_phone = models.CharField(max_length=40, blank=True)
    contact_email = models.EmailField(blank=True)
    contact_url = models.URLField(blank=True, null=True)
    status_slug = models.SlugField(max_length=63, blank=True)
    status_title = models.CharField(max_length=200, blank=True)
    update_every = models.PositiveIntegerField(default=1800, help_text=_("seconds"))
    configured = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("provider")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get(cls) -> Provider:
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def read(cls) -> Provider:
        """The provider, or an unsaved one with the defaults while none is stored: a page view writes nothing."""
        return cls.objects.filter(pk=1).first() or cls()


class StaffProfile(models.Model):
    """What Custode knows of a technician beyond their login: how to reach them and sign for them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True, null=True)
    on_call = models.BooleanField(default=False)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, blank=True, null=True)
    notify = models.JSONField(default=list, blank=True)
    notify_env = models.JSONField(default=list, blank=True)  # names of variables holding more targets

    def __str__(self) -> str:
        return self.name


class Plan(models.Model):
    """What a contract includes and promises: support hours, SLA targets, prepaid hours."""

    key = models.SlugField(max_length=63, unique=True)
    support_hours = models.CharField(max_length=200, default="24/7")
    holidays = models.CharField(max_length=8, blank=True, null=True)
    first_response = models.JSONField(default=dict, blank=True)
    resolution = models.JSONField(default=dict, blank=True)
    monthly_hours = models.FloatField(blank=True, null=True)
    includes = models.JSONField(default=list, blank=True)
    uptime_target = models.FloatField(blank=True, null=True)  # promised uptime in percent (99.9); None: no promise
    name = models.JSONField(blank=True, null=True)  # what customers read: "Platinum" or {"it": ..., "en": ...}

    def __str__(self) -> str:
        return self.key

    def shown_name(self, language: str | None) -> str:
        """The name a customer reading LANGUAGE sees: theirs, else the English one, else any, else the key."""
        if isinstance(self.name, str) and self.name:
            return self.name
        names = self.name if isinstance(self.name, dict) else {}
        return names.get(language) or names.get("en") or next((n for n in names.values() if n), self.key)


def _status_token() -> str:
    return secrets.token_urlsafe(24)


class Customer(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="customers", null=True, blank=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, blank=True, null=True)
    # The technician who looks after the customer: asked to review their monthly report (config ``owner``).
    owner = models.ForeignKey(StaffProfile, on_delete=models.SET_NULL, related_name="customers", null=True,
                               blank=True)
    status_token = models.CharField(max_length=64, unique=True, default=_status_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "key"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True, null=True)
    phone = models.CharField(max_length=40, blank=True, null=True)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, blank=True, null=True)
    notify = models.JSONField(default=list, blank=True)
    notify_env = models.JSONField(default=list, blank=True)  # names of variables holding more targets

    class Meta:
        ordering = ["customer", "id"]
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="contact_name_per_customer")]

    def __str__(self) -> str:
        return self.name
