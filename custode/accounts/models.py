"""API tokens. Only a hash is stored; the token itself is shown once, when created."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    can_write = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(blank=True, null=True)
    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+", help_text="limits the token to this customer's objects")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
