"""Monitors: what is checked on an asset, how often, and its current state."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custode.monitors.specs import MONITOR_TYPES


class State(models.TextChoices):
    UP = "up", _("Up")
    DOWN = "down", _("Down")
    DEGRADED = "degraded", _("Degraded")
    PAUSED = "paused", _("Paused")
    MAINTENANCE = "maintenance", _("Maintenance")
    UNKNOWN = "unknown", _("Unknown")
    ERROR = "error", _("Cannot check")


class Impact(models.TextChoices):
    """What a monitor's failure means for its asset (README, "What a failure means")."""

    OUTAGE = "outage", _("Outage: the asset is unreachable, and so is what depends on it")
    DEGRADED = "degraded", _("Degraded: the asset works, worse")
    JOB = "job", _("Job: a task on the asset failed; the asset still serves")


class Monitor(models.Model):
    """One check of an asset. ``spec`` holds the type-specific fields exactly as the config file writes them."""

    key = models.SlugField(max_length=63, unique=True)
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="monitors")
    type = models.CharField(max_length=16, choices=[(t, t) for t in MONITOR_TYPES])
    interval = models.PositiveIntegerField(help_text=_("seconds"))
    retries = models.PositiveSmallIntegerField(default=1)
    timeout = models.FloatField(default=10.0, help_text=_("seconds"))
    paused = models.BooleanField(default=False)
    impact = models.CharField(max_length=8, choices=Impact.choices, default=Impact.OUTAGE)
    tell_customer = models.BooleanField(
        default=False, help_text=_("a job or degraded failure is told to the owning customer too, not only to staff")
    )
    spec = models.JSONField(default=dict, blank=True)
    push_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    state = models.CharField(max_length=12, choices=State.choices, default=State.UNKNOWN, db_index=True)
    state_since = models.DateTimeField(blank=True, null=True)
    last_check_at = models.DateTimeField(blank=True, null=True)
    last_latency_ms = models.FloatField(blank=True, null=True)
    last_reason = models.CharField(max_length=500, blank=True)
    last_ping_at = models.DateTimeField(blank=True, null=True)
    last_ping_kind = models.CharField(max_length=8, blank=True)
    last_ping_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        # The lists page by key (custode.lib.keyset): each filter reads its rows in key order from one index,
        # and the dashboard walks asset by asset, with or without a state, reading only the monitors it shows.
        indexes = [
            models.Index(fields=["asset", "key"], name="monitor_asset_key"),
            models.Index(fields=["asset", "state", "key"], name="monitor_asset_state_key"),
            models.Index(fields=["state", "key"], name="monitor_state_key"),
            models.Index(fields=["type", "key"], name="monitor_type_key"),
            # The engine's reload asks every 2 s for the newest change; without it, a scan of every monitor.
            models.Index(fields=["updated_at"], name="monitor_updated_at"),
        ]

    def __str__(self) -> str:
        return self.key
