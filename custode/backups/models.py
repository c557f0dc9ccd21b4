"""Backup jobs: what should report in, when, and what makes a backup suspicious."""

from django.db import models


class BackupJob(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="backup_jobs")
    schedule = models.CharField(max_length=100)
    grace = models.PositiveIntegerField()
    min_size_ratio = models.FloatField(blank=True, null=True)
    replica_within = models.PositiveIntegerField(blank=True, null=True)
    restore_test_every = models.PositiveIntegerField(blank=True, null=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
