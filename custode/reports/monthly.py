"""The monthly sending: from the 1st at ``SEND_AT`` in the provider's timezone (for ``DUE_DAYS`` days, so a notifier
stopped over the 1st still sends, but a Custode installed mid-month does not send an old month), each customer's
report of the month before is rendered, archived and e-mailed to the contacts marked for reports (config
``reports: true``), run by the ``custode notifier`` process (its ``reports`` step).

Exactly once: each e-mail's outbox key names the customer, the month and the recipient, so it is written once
however often the step runs, however many notifiers run it and across restarts; the report's ``sent_at`` says the
step is done with it. Each e-mail carries the report's PDF, named in its outbox row and read by the deliverer when
it sends (``custode.notify.attached``), and the link to it in the portal. With the provider's ``reports_review``, a
report waits, archived, until staff approve it on the customer's reports page, and its customer's owner (else every
technician) is asked to, once (``review``); the next look after the approval sends it, whatever the day. One
customer a step: a report takes about a second to render, and the notifier's other work goes on between them.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import pgettext

from custode.directory.models import Contact, Customer, Provider
from custode.incidents import wording
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.services import outbox_enqueue
from custode.reports import months, render
from custode.reports.models import MonthlyReport, ReportRecipient
from custode.reports.review import review_ask
from custode.reports.services import report_pdf

SEND_AT = dt.time(6, 0)  # provider's timezone, on the 1st
DUE_DAYS = 3  # the 1st to the 3rd
LOOK_EVERY = 60.0  # seconds
_looked = [float("-inf")]


def due_month(now: dt.datetime, tz) -> dt.date | None:
    """The month whose reports are due at NOW (its first day): last month's from the 1st at SEND_AT on."""
    local = now.astimezone(tz)
    if local.day > DUE_DAYS or (local.day == 1 and local.time() < SEND_AT):
        return None
    return months.previous_month(local.date().replace(day=1))


def step() -> bool:
    """The notifier's unit: send one customer's report when due and not yet sent; True when it did any work."""
    if time.monotonic() - _looked[0] < LOOK_EVERY:
        return False
    worked = send_next() is not None
    if not worked:
        _looked[0] = time.monotonic()  # nothing left: look again in a while; else go on at once
    return worked


def send_next(*, now: dt.datetime | None = None) -> MonthlyReport | None:
    """Do the next piece of the monthly sending; the report it was about, or None when nothing is left to do.

    First a held report approved meanwhile is sent (whenever staff approve it, even after the days it is due in);
    then, in the due days, a held report not yet asked about (made by hand before the monthly sending) is asked
    for its review; then the next customer's report of the due month is made and sent, or held and asked for."""
    now = now or timezone.now()
    approved = (MonthlyReport.objects.filter(sent_at=None, review_asked_at__isnull=False, approved_at__isnull=False)
                .select_related("customer").defer("pdf").order_by("pk").first())
    if approved is not None:
        send(approved, approved.customer, now)
        return approved
    month = due_month(now, wording.zone(Provider.get().timezone))
    if month is None:
        return None
    unasked = (MonthlyReport.objects.filter(month=month, approved_at=None, review_asked_at=None)
               .select_related("customer__owner__user").defer("pdf").order_by("pk").first())
    if unasked is not None:
        review_ask(unasked, unasked.customer, now)
        return unasked
    sent_or_held = (MonthlyReport.objects.filter(month=month).filter(Q(sent_at__isnull=False) | Q(approved_at=None))
                    .values("customer_id"))
    customer = (Customer.objects.exclude(pk__in=sent_or_held).select_related("owner__user").order_by("pk").first())
    if customer is None:
        return None
    row = report_pdf(customer=customer, month=f"{month:%Y-%m}")
    if row.approved_at is not None:
        send(row, customer, now)
    else:
        review_ask(row, customer, now)
    return row


def send(row: MonthlyReport, customer: Customer, now: dt.datetime) -> int:
    """E-mail ROW to CUSTOMER's contacts marked for reports and mark it sent; how many e-mails were new."""
    with transaction.atomic():
        written = outbox_enqueue(messages=mails(row, customer, recipients(customer)))
        MonthlyReport.objects.filter(pk=row.pk).update(sent_at=now)
    return written


def recipients(customer: Customer) -> list[Contact]:
    marked = ReportRecipient.objects.filter(contact__customer=customer).values("contact_id")
    return list(Contact.objects.filter(pk__in=marked).exclude(email=None).exclude(email="").order_by("pk"))


def mails(row: MonthlyReport, customer: Customer, contacts: list[Contact]) -> list[Outgoing]:
    """An e-mail per contact, in their language, carrying the report's PDF (named, read by the deliverer when it
    sends: ``custode.notify.attached``) and the link to it in the portal."""
    label = f"{row.month:%Y-%m}"
    link = absolute(f"/portal/reports/{label}-{row.language}.pdf")
    out = []
    for contact in contacts:
        language = wording.known(contact.language or customer.language)
        with translation.override(language):
            month = render.month_name(row.month, language)
            subject = pgettext("report", "Monthly report: %(customer)s, %(month)s") % {
                "customer": customer.name, "month": month}
            body = pgettext("report", "Hello %(name)s,\n\nattached is the report of %(month)s: uptime against what "
                            "we promised, incidents, requests, hours and backups.\n\nIt is also in the portal, with "
                            "the reports of the months before:\n\n%(link)s\n\nYou will be asked to log in to the "
                            "portal with your e-mail address.") % {
                "name": contact.name, "month": month, "link": link}
        out.append(Outgoing(
            key=f"report:{customer.key}:{label}:{contact.pk}:email:{contact.email}"[:255],
            audience=Audience.CUSTOMER, channel=Channel.EMAIL, recipient=contact.email, language=language,
            subject=subject, body=body, recipient_name=contact.name, topic=f"report:{customer.key}:{label}",
            customer_id=customer.pk, files=[attachment(row)]))
    return out


def attachment(row: MonthlyReport) -> dict:
    """ROW as an e-mail's file: named in the report's language (``informe-mensual-2026-11.pdf``)."""
    with translation.override(row.language):
        name = pgettext("report file name", "monthly-report")
    return {"ref": f"report:{row.pk}", "filename": f"{name}-{row.month:%Y-%m}.pdf", "content_type": "application/pdf"}
