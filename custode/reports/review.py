"""Asking for a held report's review (the provider's ``reports_review``): its customer's owner (config ``owner``)
is told on each of their notify targets, or, for a customer without one, every technician, as other staff notices
are. Any technician may approve it; the owner is the one asked.

Exactly once: the request is written to the outbox in the transaction that marks the report asked
(``review_asked_at``), with keys naming the report and the recipient, so a second notifier or a restart writes
nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from custode.directory.models import Customer, Provider, StaffProfile
from custode.lib.links import absolute
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import staff_member_recipients, staff_recipients
from custode.notify.services import outbox_enqueue
from custode.reports import render
from custode.reports.models import MonthlyReport


def reviewer(customer: Customer) -> StaffProfile | None:
    """Who is asked to review CUSTOMER's reports: their owner; None when every technician is."""
    return customer.owner


def review_ask(row: MonthlyReport, customer: Customer, now: dt.datetime) -> int:
    """Ask for ROW's review, once; how many messages were new (0 when it was asked already)."""
    with transaction.atomic():
        if not MonthlyReport.objects.filter(pk=row.pk, review_asked_at=None).update(review_asked_at=now):
            return 0
        return outbox_enqueue(messages=review_messages(row, customer))


def review_messages(row: MonthlyReport, customer: Customer) -> list[Outgoing]:
    provider = Provider.get()
    owner = reviewer(customer)
    people = staff_member_recipients(owner, provider=provider) if owner else staff_recipients(provider=provider)
    label = f"{row.month:%Y-%m}"
    link = absolute(reverse("customer-reports", args=[customer.key]))
    out = []
    for r in people:
        with translation.override(r.language):
            month = render.month_name(row.month, r.language)
            subject = pgettext("report", "To review: the report of %(month)s for %(customer)s") % {
                "month": month, "customer": customer.name}
            body = (pgettext("report", "The report of %(month)s for %(customer)s waits for your review as the "
                             "customer's owner: it goes to the customer once approved. Read it, add what we "
                             "recommend if need be, and approve it here:\n\n%(link)s\n") if owner else
                    pgettext("report", "The report of %(month)s for %(customer)s waits for a technician's review "
                             "(the customer has no owner): it goes to the customer once approved. Read it, add what "
                             "we recommend if need be, and approve it here:\n\n%(link)s\n")) % {
                "month": month, "customer": customer.name, "link": link}
        out.append(Outgoing(
            key=f"report-review:{row.pk}:{r.ident}:{r.channel}:{r.address}"[:255], audience=Audience.STAFF,
            channel=r.channel, recipient=r.address, language=r.language, subject=subject, body=body,
            recipient_name=r.name, topic=f"report:{customer.key}:{label}", customer_id=customer.pk,
            payload={"event": "report.review", "customer": {"id": customer.key, "name": customer.name},
                     "report": {"month": label, "language": row.language,
                                "owner": owner.user.username if owner else None, "url": link},
                     "text": {"subject": subject, "body": body}} if r.channel == Channel.WEBHOOK else {}))
    return out
