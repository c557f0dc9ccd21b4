"""Monthly reports kept as sent, and what staff recommend in a month's report before it is made."""

from __future__ import annotations

from django.db import models


class Recommendation(models.Model):
    """The "what we recommend" text a technician writes for a customer's month, shown in its report."""

    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    text = models.TextField()
    by = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="recommendation_per_month")]


class MonthlyReport(models.Model):
    """A customer's report of a month as rendered: the PDF's bytes, their digest, and when it went out.

    One per customer, month and language; making it again replaces the bytes (a recommendation added later),
    and ``sent_at`` says whether the contacts got it. ``approved_at`` is set when staff release a report held for
    review (provider ``reports_review``); without review it is set when the report is made."""

    customer = models.ForeignKey("directory.Customer", on_delete=models.CASCADE, related_name="reports")
    month = models.DateField(help_text="the first day of the month")
    language = models.CharField(max_length=2)
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    approved_at = models.DateTimeField(blank=True, null=True)
    approved_by = models.CharField(max_length=150, blank=True)
    sent_at = models.DateTimeField(blank=True, null=True)
    # When the monthly sending held it for review and asked for it (its customer's owner, else every technician):
    # asked once, and sent whenever approved, even after the days it is due in.
    review_asked_at = models.DateTimeField(blank=True, null=True)

    class Meta:
        ordering = ["-month", "language"]
        constraints = [models.UniqueConstraint(fields=["customer", "month", "language"], name="report_per_month")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m} {self.language}"


class ReportSetup(models.Model):
    """The provider's choices for monthly reports (the config file's ``provider.reports_review``). One row, pk=1."""

    review = models.BooleanField(default=False, help_text="hold each month's reports until staff approve them")

    @classmethod
    def get(cls) -> ReportSetup:
        return cls.objects.get_or_create(pk=1)[0]


class ReportRecipient(models.Model):
    """A contact who receives their customer's monthly report (the config file's contact ``reports: true``)."""

    contact = models.OneToOneField("directory.Contact", on_delete=models.CASCADE, related_name="+")
