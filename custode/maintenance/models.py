"""Planned maintenance: when assets are expected to be down, and what customers are told."""

import datetime as dt

from django.db import models


class MaintenanceWindow(models.Model):
    key = models.SlugField(max_length=63, unique=True)
    title = models.JSONField(help_text="{language: title}")
    assets = models.ManyToManyField("assets.Asset", related_name="maintenance_windows")
    start = models.DateTimeField()
    duration = models.PositiveIntegerField()
    # start + duration, kept by save(): "which windows are open now" is then one indexed range query, not a
    # walk of every window ever made (the engine asks every 2 s)
    end = models.DateTimeField(editable=False, db_index=True)
    announce = models.BooleanField(default=False)
    notices = models.JSONField(
        default=dict, blank=True, help_text="{phase: start iso} of the notices sent, so each is sent once per start"
    )

    class Meta:
        ordering = ["start", "key"]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, update_fields=None, **kwargs) -> None:
        self.end = self.start + dt.timedelta(seconds=self.duration)
        if update_fields is not None and {"start", "duration"} & set(update_fields):
            update_fields = {*update_fields, "end"}
        super().save(*args, update_fields=update_fields, **kwargs)
