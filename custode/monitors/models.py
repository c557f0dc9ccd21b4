"""Monitors: what is checked on an asset, how often, and its current state."""

from __future__ import annotations

import uuid

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from custode.monitors.specs import DEFAULT_LOCATIONS, MONITOR_TYPES


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


def default_locations() -> list[str]:
    return list(DEFAULT_LOCATIONS)


class Monitor(models.Model):
    """One check of an asset. ``spec`` holds the type-specific fields exactly as the config file writes them."""

    key = models.SlugField(max_length=63, unique=True)
    # No index of its own: (asset, key) below serves every lookup by asset (migration 0005 says why).
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="monitors", db_index=False)
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
    # The locations whose engines check it (``custode engine --location``), and how many must see it failing.
    locations = models.JSONField(default=default_locations)
    quorum = models.PositiveSmallIntegerField(default=1)
    push_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    state = models.CharField(max_length=12, choices=State.choices, default=State.UNKNOWN)  # indexed by (state, key)
    state_since = models.DateTimeField(blank=True, null=True)
    last_check_at = models.DateTimeField(blank=True, null=True)
    last_latency_ms = models.FloatField(blank=True, null=True)
    last_reason = models.CharField(max_length=500, blank=True)
    last_ping_at = models.DateTimeField(blank=True, null=True)
    last_ping_kind = models.CharField(max_length=8, blank=True)
    last_ping_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.BigIntegerField(default=0, editable=False)  # by which the engine reloads: see next_version

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
            models.Index(fields=["version"], name="monitor_version"),
        ]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def take_version() -> int:
        """What ``config.bulk`` calls once for all the monitors it writes in one go."""
        return next_version()

    def save(self, *args, update_fields=None, **kwargs) -> None:
        """A save that changes what the monitor is (``updated_at`` written) takes a new version with it."""
        with transaction.atomic():
            if update_fields is None or "updated_at" in update_fields:
                self.version = next_version()
                update_fields = None if update_fields is None else {*update_fields, "version"}
            super().save(*args, update_fields=update_fields, **kwargs)


class MonitorVersion(models.Model):
    """The one counter behind ``Monitor.version``: a single row, ``id`` 1."""

    n = models.BigIntegerField(default=0)


def next_version() -> int:
    """A version for the monitors the current transaction writes, greater than any committed before it.

    The engine reloads the monitors whose version is above the highest it has seen. A time (``updated_at``)
    cannot serve: it is taken when a transaction writes, not when it commits, so an edit that commits after
    a later one carries an earlier time, and a high-water mark already past it never loads it. A sequence
    has the same flaw. This counter is one row, incremented inside the writing transaction, which then holds
    that row's lock until it commits (PostgreSQL's row lock; SQLite's single writer): the next writer of
    monitors waits for it, so versions are in commit order and none below the mark is still to come.
    Monitor writes are config edits, rare and short; the engine's own writes (states, checks) take none.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("a monitor version is taken inside the transaction that writes the monitor")
    table = MonitorVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1 "
                       "RETURNING n")
        return cursor.fetchone()[0]
