"""Remote probes: engines in other places, with no database, that fetch their location's monitors from the server
and post their results over HTTPS (``custode probe``; README, "Remote probes").

A probe is named for its location, one per location; it is let in by a token kept only as a hash. Every batch it
posted in the last days is a row (``ProbeBatch``), so a batch posted again after a lost answer is acknowledged,
not stored twice. ``silent_since`` is the state of the silence watch (``watch``): set when staff were told the
probe went silent, cleared when they were told it is back.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Probe(models.Model):
    name = models.CharField(max_length=32, unique=True)  # its location (``custode probe --location``)
    digest = models.CharField(max_length=64, unique=True)  # sha256 of its token; the token is shown once
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(blank=True, null=True)  # its last request, to within ``services.SEEN_EVERY``
    silent_since = models.DateTimeField(blank=True, null=True)  # the last_seen_at staff were told it fell silent at
    revoked_at = models.DateTimeField(blank=True, null=True)  # a revoked token is refused (401)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"probe {self.name}"


class ProbeBatch(models.Model):
    """A batch of results a probe posted (its own id for it): kept ``exchange.KEEP_BATCHES``, then pruned."""

    probe = models.ForeignKey(Probe, on_delete=models.CASCADE, related_name="batches")
    batch = models.UUIDField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["probe", "batch"], name="probe_batch_once")]
