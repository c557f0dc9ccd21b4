"""The agents on customers' machines: how one is let in, the credential it reports with, what it last said.

An asset's agent is let in once with an enrolment token (``custode agent-token create --asset ID``): single use
and expiring, kept as a hash. Enrolling trades it for the device's own credential, also kept only as a hash,
so a copy of the database lets nobody report as a device. The latest report is kept whole on the agent's row
for the API and the engine to read without a query per asset; a few numbers of every report are rows
(``AgentSample``), a bounded history of a day for the sparklines. Pending security updates are kept as stretches of
time (``PatchRecord``), written only when a stretch opens, grows or clears (``patches``).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

MONITOR_TYPE = "agent"  # the type of the monitor through which an asset's agent is judged; never in a config file


class EnrolmentToken(models.Model):
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="enrolment_tokens")
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the token; the token is shown once
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Agent(models.Model):
    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, related_name="agent")
    digest = models.CharField(max_length=64, unique=True)  # sha256 of the device's credential
    enrolled_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(blank=True, null=True)  # a revoked credential reports nothing more
    hostname = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=40, blank=True)  # the agent's own version, as it said at enrolment
    # Removing the monitor keeps the agent: it is the engine's view of it, made again when needed.
    monitor = models.OneToOneField("monitors.Monitor", on_delete=models.SET_NULL, related_name="agent",
                                   null=True, blank=True)

    # The latest report, whole, and when it was measured and received.
    report = models.JSONField(blank=True, null=True)
    measured_at = models.DateTimeField(blank=True, null=True)
    received_at = models.DateTimeField(blank=True, null=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)  # by which the engine re-reads agents
    # Judged with each report (``verdict``): each measure over its threshold with when it went over, and what
    # the last report left wrong, said with its numbers.
    over = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    # The open stretch of pending security updates, none while the last report counted none: read with the agent
    # in the report's one query, so a report that changes nothing about them costs no query more.
    patch = models.ForeignKey("PatchRecord", on_delete=models.SET_NULL, related_name="+", null=True, blank=True)

    class Meta:
        ordering = ["asset__key"]

    def __str__(self) -> str:
        return f"agent of {self.asset_id}"


class AgentWatch(models.Model):
    """An asset's ``agent:`` keys from the config file; a key left empty takes its kind's default (``specs``)."""

    asset = models.OneToOneField("assets.Asset", on_delete=models.CASCADE, related_name="agent_watch")
    load_per_core = models.FloatField(blank=True, null=True)
    disk_percent = models.FloatField(blank=True, null=True)
    memory_percent = models.FloatField(blank=True, null=True)
    hold = models.PositiveIntegerField(blank=True, null=True)  # ``for``, in seconds
    services = models.JSONField(default=list, blank=True)


class AgentSample(models.Model):
    """The numbers of one report a sparkline draws: kept a day (``services.HISTORY``), then removed."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="samples")
    at = models.DateTimeField()
    load = models.FloatField(blank=True, null=True)  # 1-minute load average
    cpu_percent = models.FloatField(blank=True, null=True)
    memory_percent = models.FloatField(blank=True, null=True)
    disk_percent = models.FloatField(blank=True, null=True)  # the fullest disk's

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["agent", "-at"], name="agent_sample_agent_at")]


class PatchRecord(models.Model):
    """A stretch of time an asset's agent counted pending security updates: opened (``since``, when the report was
    measured) by the first report counting any, cleared by the first counting none. ``pending`` and ``security``
    are the most any of its reports counted; ``last_upgrade`` the latest the reports said."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="patch_records")
    since = models.DateTimeField()
    cleared_at = models.DateTimeField(blank=True, null=True)
    pending = models.PositiveIntegerField(default=0)
    security = models.PositiveIntegerField(default=0)
    last_upgrade = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-since", "-id"]
        indexes = [models.Index(fields=["agent", "-since"], name="patch_record_agent_since")]


class PatchSetup(models.Model):
    """How long security updates may wait before they are overdue (``provider.patch_grace``). One row, pk=1."""

    grace = models.PositiveIntegerField(default=7 * 86400)  # seconds

    @classmethod
    def get(cls) -> PatchSetup:
        return cls.objects.get_or_create(pk=1)[0]
