"""Planned maintenance: when assets are expected to be down, and what customers are told."""

import datetime as dt

from django.db import models


class MaintenanceWindow(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    title = models.JSONField(help_text="{language: title}")
    assets = models.ManyToManyField("assets.Asset", related_name="maintenance_windows")
    start = models.DateTimeField()
    duration = models.PositiveIntegerField()
    announce = models.BooleanField(default=False)
    notices = models.JSONField(
        default=dict, blank=True, help_text="{phase: start iso} of the notices sent, so each is sent once per start"
    )

    class Meta:
        ordering = ["start", "key"]

    def __str__(self) -> str:
        return self.key

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=self.duration)
