"""Backup jobs: what should report in, when, and what makes a backup suspicious; and what they reported.

A job is judged by the engine like a heartbeat, through a monitor of its own (type ``backup``, impact ``job``):
a problem is that monitor going DOWN, so it becomes an incident by the same path as every monitor's, told to
staff, never to the customer as an outage. The job keeps a summary of what it reported (the last finish, the
newest replica, the last restore tests) for the engine to read without a query per job; the reports themselves
are rows (``BackupRun``, ``BackupReplica``, ``RestoreTest``), the evidence.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

MONITOR_TYPE = "backup"  # the type of the monitor through which a job is judged; never in a config file


class BackupJob(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="backup_jobs")
    schedule = models.CharField(max_length=100)
    grace = models.PositiveIntegerField()
    min_size_ratio = models.FloatField(blank=True, null=True)
    replica_within = models.PositiveIntegerField(blank=True, null=True)
    restore_test_every = models.PositiveIntegerField(blank=True, null=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # /backup/<token>
    # Removing the monitor removes the job with it (``backup_delete`` removes the monitor).
    monitor = models.OneToOneField("monitors.Monitor", on_delete=models.CASCADE, related_name="backup_job",
                                   null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # The summary the engine judges (``verdict.Facts``); written with each report.
    started_at = models.DateTimeField(blank=True, null=True)
    finished_at = models.DateTimeField(blank=True, null=True)
    last_verdict = models.CharField(max_length=8, blank=True)  # ok, failed or shrunk: the last finished run's
    last_reason = models.CharField(max_length=300, blank=True)
    replica_at = models.DateTimeField(blank=True, null=True)
    restore_ok_at = models.DateTimeField(blank=True, null=True)
    restore_failed_reason = models.CharField(max_length=300, blank=True)  # the last test's, when it failed
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)  # by which the engine re-reads jobs

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class BackupRun(models.Model):
    """One finished run as the job reported it, with Custode's verdict on it."""

    class Verdict(models.TextChoices):
        OK = "ok"
        FAILED = "failed"
        SHRUNK = "shrunk"

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(blank=True, null=True)
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=8)  # what the job said: ok or failed
    bytes = models.BigIntegerField(blank=True, null=True)
    files = models.BigIntegerField(blank=True, null=True)
    duration_s = models.FloatField(blank=True, null=True)
    snapshot = models.CharField(max_length=200, blank=True)
    tool = models.CharField(max_length=40, blank=True)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        indexes = [models.Index(fields=["job", "verdict", "-finished_at"], name="backup_run_job_verdict")]


class BackupReplica(models.Model):
    """The newest snapshot on the second storage, as reported."""

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="replicas")
    snapshot = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(help_text="when the replicated snapshot was taken")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["job", "-received_at"], name="backup_replica_job")]


class RestoreTest(models.Model):
    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="restore_tests")
    at = models.DateTimeField()
    result = models.CharField(max_length=8)  # ok or failed
    files_checked = models.BigIntegerField(blank=True, null=True)
    bytes = models.BigIntegerField(blank=True, null=True)
    duration_s = models.FloatField(blank=True, null=True)
    evidence = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["job", "-at"], name="restore_test_job")]


class BackupSignOff(models.Model):
    """A technician's word that a red or amber job was looked at: the state and reasons they saw, what they did,
    and the time it took (drawn from the customer's hours bank through a ticket's time entry, when given)."""

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="signoffs")
    state = models.CharField(max_length=16)
    reasons = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=1000)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    by = models.CharField(max_length=150, help_text="who signed off, as named then: kept when the user is removed")
    at = models.DateTimeField()
    minutes = models.PositiveIntegerField(blank=True, null=True)
    time_entry = models.ForeignKey("tickets.TimeEntry", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["job", "-at"], name="backup_signoff_job"),
                   models.Index(fields=["at"], name="backup_signoff_at")]
