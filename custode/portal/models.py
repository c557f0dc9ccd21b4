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
