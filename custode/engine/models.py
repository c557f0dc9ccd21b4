"""What engines sharing one location on PostgreSQL keep in the database: who is alive, who holds which slot.

Only ``custode.engine.leases`` writes these rows; an engine on SQLite writes none (it is alone: a lock file
says so).
"""

from __future__ import annotations

from django.db import models


class EngineProcess(models.Model):
    """A running engine: its location, and until when it is counted as alive (renewed with its leases)."""

    location = models.CharField(max_length=32)
    host = models.CharField(max_length=255, blank=True)
    pid = models.IntegerField(default=0)
    started_at = models.DateTimeField()
    alive_until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["location", "alive_until"], name="engine_alive")]


class SlotLease(models.Model):
    """One of a location's slots (``leases.SLOTS``; a monitor is in slot ``id % SLOTS``) and the engine that
    holds it until ``expires_at``. A free slot has no engine; an expired one is free to take."""

    location = models.CharField(max_length=32)
    slot = models.PositiveSmallIntegerField()
    engine_id = models.BigIntegerField(null=True)  # not a foreign key: a lease outlives its engine until it expires
    expires_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "slot"], name="engine_slot_once")]
