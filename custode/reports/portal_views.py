"""The portal's monthly reports: a contact sees and downloads their own customer's reports once released (made
without review, or approved by staff); another customer's report, or one still held, is 404."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from custode.directory.models import Contact
from custode.lib.changes import NotFound
from custode.portal.access import page, portal_page
from custode.reports import render, services
from custode.reports.views import pdf_answer


@portal_page
def report_list(request: HttpRequest, contact: Contact) -> HttpResponse:
    language = translation.get_language()
    rows = [{"month": render.month_name(r.month, language), "key": f"{r.month:%Y-%m}",
             "language": r.language} for r in services.reports_of(contact.customer) if r.approved_at]
    return page(request, "reports", contact=contact, reports=rows)


@portal_page
def report(request: HttpRequest, contact: Contact, month: str, language: str) -> HttpResponse:
    try:
        row = services.report_get(customer=contact.customer, month=month, language=language)
    except NotFound:
        row = None
    if row is None or row.approved_at is None:
        raise Http404("no such report")
    return pdf_answer(row, contact.customer.key)
