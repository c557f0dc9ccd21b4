"""Monitors: what is checked on an asset, how often, and its current state."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from custode.monitors.specs import MONITOR_TYPES


class State(models.TextChoices):
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    DEGRADED = "degraded", _("Degraded")
    PAUSED = "paused", _("Paused")
    MAINTENANCE = "maintenance", _("Maintenance")
    UNKNOWN = "unknown", _("Unknown")


class Monitor(models.Model):
    """One check of an asset. ``spec`` holds the type-specific fields exactly as the config file writes them."""

    key = models.SlugField(max_length=63, unique=True)
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="monitors")
    type = models.CharField(max_length=16, choices=[(t, t) for t in MONITOR_TYPES])
    interval = models.PositiveIntegerField(help_text=_("seconds"))
    retries = models.PositiveSmallIntegerField(default=1)
    timeout = models.FloatField(default=10.0, help_text=_("seconds"))
    paused = models.BooleanField(default=False)
    spec = models.JSONField(default=dict, blank=True)
    push_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    state = models.CharField(max_length=12, choices=State.choices, default=State.UNKNOWN, db_index=True)
    state_since = models.DateTimeField(blank=True, null=True)
    last_check_at = models.DateTimeField(blank=True, null=True)
    last_latency_ms = models.FloatField(blank=True, null=True)
    last_reason = models.CharField(max_length=500, blank=True)
    last_ping_at = models.DateTimeField(blank=True, null=True)
    last_ping_kind = models.CharField(max_length=8, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
