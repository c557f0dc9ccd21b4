"""Making, keeping and finding monthly reports: what the CLI, the API, the staff pages, the portal and the monthly
sending call.

A report is made only for a known customer and a month that is over in the provider's timezone; anything else is
refused (NotFound, Invalid naming ``month``) before anything is rendered or kept. A PDF made is archived, one per
customer, month and language: making it again replaces the bytes and keeps when it was approved and sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Exists, OuterRef
from django.utils import timezone

from custode.directory.models import Customer, Provider
from custode.directory.services import customer_get
from custode.incidents import wording
from custode.lib.changes import Change, NotFound
from custode.reports import months, render
from custode.reports.gather import MonthReport, month_report
from custode.reports.models import MonthlyReport, Recommendation, ReportRecipient, ReportSetup


def report_gather(*, customer: str | Customer, month: str, language: str | None = None,
                  now: dt.datetime | None = None) -> MonthReport:
    """The figures of CUSTOMER's MONTH (YYYY-MM); NotFound or Invalid (``month``) when they cannot be."""
    owner = _owner(customer)
    period = months.ended(month, wording.zone(Provider.get().timezone), now)
    return month_report(owner, period, language)


def _owner(customer: str | Customer) -> Customer:
    return customer if isinstance(customer, Customer) else customer_get(customer)


def report_html(*, customer: str | Customer, month: str, language: str | None = None,
                now: dt.datetime | None = None) -> str:
    return render.html(report_gather(customer=customer, month=month, language=language, now=now))


def report_make(*, customer: str | Customer, month: str, language: str | None = None,
                now: dt.datetime | None = None) -> MonthlyReport:
    """Render CUSTOMER's MONTH as PDF and archive it (replacing an earlier one of the same language)."""
    owner = _owner(customer)
    report = report_gather(customer=owner, month=month, language=language, now=now)
    pdf = render.pdf(report)
    row, _ = MonthlyReport.objects.update_or_create(
        customer=owner, month=report.month.first, language=report.language,
        defaults={"pdf": pdf, "sha256": hashlib.sha256(pdf).hexdigest(), "created_at": now or timezone.now()})
    if row.approved_at is None and not review_required():  # without review a report is released when made
        row.approved_at = row.created_at
        row.save(update_fields=["approved_at"])
    return row


def review_required() -> bool:
    row = ReportSetup.objects.filter(pk=1).first()  # a read makes no row
    return bool(row and row.review)


def reports_review_save(*, review: bool) -> Change:
    """The provider's ``reports_review``: hold each month's reports for staff to approve before they are sent."""
    if review_required() == review:
        return Change("provider", "provider", "unchanged")
    ReportSetup.objects.update_or_create(pk=1, defaults={"review": review})
    return Change("provider", "provider", "updated", ("reports_review",))


def report_pdf(*, customer: str | Customer, month: str, language: str | None = None) -> MonthlyReport:
    """The archived PDF of CUSTOMER's MONTH in LANGUAGE (theirs by default), made and archived if there is none."""
    owner = _owner(customer)
    first = months.parse(month)
    language = wording.known(language or owner.language or Provider.get().language)
    found = MonthlyReport.objects.filter(customer=owner, month=first, language=language).first()
    return found or report_make(customer=owner, month=month, language=language)


def reports_of(customer: Customer) -> list[MonthlyReport]:
    """CUSTOMER's archived reports, newest month first, without their bytes."""
    return list(MonthlyReport.objects.filter(customer=customer).defer("pdf"))


def report_get(*, customer: Customer, month: str, language: str) -> MonthlyReport:
    """CUSTOMER's own archived report; another customer's is NotFound, as if there were none."""
    try:
        first = months.parse(month)
    except Exception:
        raise NotFound("report", month) from None
    found = MonthlyReport.objects.filter(customer=customer, month=first, language=language).first()
    if found is None:
        raise NotFound("report", f"{month} ({language})")
    return found


def recommendation_save(*, customer: Customer, month: str, text: str, by: str) -> Recommendation | None:
    """What staff recommend in CUSTOMER's MONTH; empty TEXT removes it."""
    first = months.parse(month)
    if not text.strip():
        Recommendation.objects.filter(customer=customer, month=first).delete()
        return None
    row, _ = Recommendation.objects.update_or_create(
        customer=customer, month=first, defaults={"text": text.strip(), "by": by, "at": timezone.now()})
    return row


def filename(row: MonthlyReport, customer_key: str) -> str:
    return f"report-{customer_key}-{row.month:%Y-%m}-{row.language}.pdf"


def report_approve(*, report: MonthlyReport, by: str) -> bool:
    """Release REPORT, held for review, to be sent; False when it already was."""
    return MonthlyReport.objects.filter(pk=report.pk, approved_at=None).update(
        approved_at=timezone.now(), approved_by=by) == 1


def marked_expression():
    """For a query of contacts: whether each is marked to receive the report (read with them, in one query)."""
    return Exists(ReportRecipient.objects.filter(contact_id=OuterRef("pk")))


def report_recipients() -> set[int]:
    """The ids of the contacts marked to receive their customer's monthly report."""
    return set(ReportRecipient.objects.values_list("contact_id", flat=True))


def report_recipients_save(*, marked: dict[int, bool], keys: dict[int, str],
                           before: set[int] | None = None) -> dict[str, Change]:
    """Mark or unmark contacts (MARKED: contact id to its config's ``reports``); a Change per contact that moved,
    named by KEYS (contact id to customer/name). BEFORE: the marked ones, when the caller read them already."""
    before = report_recipients() if before is None else before
    add = [pk for pk, wanted in marked.items() if wanted and pk not in before]
    drop = [pk for pk, wanted in marked.items() if not wanted and pk in before]
    ReportRecipient.objects.bulk_create([ReportRecipient(contact_id=pk) for pk in add])
    ReportRecipient.objects.filter(contact_id__in=drop).delete()
    return {keys[pk]: Change("contact", keys[pk], "updated", ("reports",)) for pk in sorted(add + drop)}
