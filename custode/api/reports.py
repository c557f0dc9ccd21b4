"""/api/v1/customers/<id>/reports/<YYYY-MM>.pdf: a customer's monthly report (``custode.reports``), archived
when first asked for. A token limited to one customer reads its own customer's."""

from __future__ import annotations

from typing import Literal, Optional

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema, Status
from pydantic import Field

from custode.api import scope
from custode.api.errors import Router
from custode.directory.services import customer_get
from custode.lib.changes import Invalid
from custode.reports.services import filename, report_pdf

reports = Router(tags=["customers"])


class ReportQuery(Schema):
    language: Optional[Literal["it", "en", "es"]] = Field(default=None, description="default: the customer's")


@reports.get("/{key}/reports/{month}.pdf", response={200: None}, operation_id="customers_report_pdf",
             summary="A customer's monthly report as PDF",
             description="The report of `month` (YYYY-MM, over in the provider's timezone) in the customer's "
             "language or `language`: uptime against the plan's promise, incidents, tickets, hours, backups, "
             "security updates, expiring warranties. Made and archived the first time it is asked for, the archived "
             "bytes afterwards. 404 an unknown customer; 422 (loc [\"path\", \"month\"]) a month that is not "
             "YYYY-MM, not over yet or in the future: nothing is archived then.",
             openapi_extra={"responses": {"200": {"description": "the PDF",
                                                  "content": {"application/pdf": {"schema": {"type": "string",
                                                                                             "format": "binary"}}}}}})
def report_pdf_get(request: HttpRequest, key: str, month: str, query: Query[ReportQuery]):
    customer = customer_get(key)
    scope.require(request, customer.pk, "customer", key)
    try:
        row = report_pdf(customer=customer, month=month, language=query.language)
    except Invalid as e:
        return Status(422, {"detail": [{"loc": ["path", "month"], "msg": e.message, "type": "invalid"}]})
    answer = HttpResponse(bytes(row.pdf), content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{filename(row, customer.key)}"'
    return answer
