"""Incidents: one per root cause, with the customers it touches and a timeline of updates."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from custode.monitors.models import Impact


class Status(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")


class Incident(models.Model):
    title = models.CharField(max_length=300)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MAJOR)
    impact = models.CharField(
        max_length=8, choices=Impact.choices, default=Impact.OUTAGE,
        help_text=_("an outage reaches what depends on its root; a job or degraded incident stays on its own asset"),
    )
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.INVESTIGATING, db_index=True)
    owner = models.ForeignKey(
        "directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    root_asset = models.ForeignKey(
        "assets.Asset", on_delete=models.SET_NULL, null=True, blank=True, related_name="root_incidents"
    )
    assets = models.ManyToManyField("assets.Asset", related_name="incidents", blank=True)
    monitors = models.ManyToManyField("monitors.Monitor", related_name="incidents", blank=True)
    customers = models.ManyToManyField(
        "directory.Customer", through="AffectedCustomer", related_name="incidents", blank=True
    )
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(blank=True, null=True)
    last_public_update_at = models.DateTimeField(blank=True, null=True)
    reminded_at = models.DateTimeField(blank=True, null=True)
    confirmed_at = models.DateTimeField(
        blank=True, null=True, help_text=_("when staff and customers were first told; empty while it is held")
    )
    held_until = models.DateTimeField(
        blank=True, null=True, help_text=_("told at this time unless a failing dependency is found to be the cause first")
    )
    stable_since = models.DateTimeField(
        blank=True, null=True, help_text=_("since when every monitor is up again (auto-resolve after a stable period)")
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != Status.RESOLVED


class AffectedCustomer(models.Model):
    """A customer touched by an incident, and for how long (their own duration, for reports and SLA)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    resolved_at = models.DateTimeField(blank=True, null=True)
    notified_at = models.DateTimeField(blank=True, null=True, help_text=_("when told of the opening"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "customer"], name="affected_customer_once")]

    @property
    def duration_seconds(self) -> float | None:
        return (self.resolved_at - self.started_at).total_seconds() if self.resolved_at else None


class Update(models.Model):
    """A timeline entry. Public ones reach customers; internal ones are for staff only.

    ``template`` names a stock text (investigating, identified, monitoring, resolved) rendered in each
    reader's language; ``message`` is what the author wrote, in ``language``.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    status = models.CharField(max_length=14, choices=Status.choices)
    public = models.BooleanField(default=True)
    author = models.ForeignKey(
        "directory.StaffProfile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True, help_text=_("as signed at the time"))
    template = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    language = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["at", "id"]
