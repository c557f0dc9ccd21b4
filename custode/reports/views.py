"""Staff pages of a customer's monthly reports: the archive with downloads, making a month's report, writing what
we recommend in it, and approving a report held for review (the provider's ``reports_review``).

Each form posts to its own view, which calls the same service as the CLI and the API, then goes back to the list;
a refused month is shown on the list (422) with what is wrong, and nothing is archived.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from custode.directory.models import Customer, Provider
from custode.incidents import wording
from custode.lib.changes import Invalid, NotFound
from custode.reports import months, services
from custode.reports.models import Recommendation
from custode.reports.review import reviewer
from custode.web.access import staff_required


def _customer(key: str) -> Customer:
    customer = Customer.objects.select_related("plan", "owner").filter(key=key).first()
    if customer is None:
        raise Http404(f"customer {key!r} does not exist")
    return customer


def _last_month() -> str:
    tz = wording.zone(Provider.get().timezone)
    return months.previous_month(timezone.now().astimezone(tz).date().replace(day=1)).strftime("%Y-%m")


@staff_required
def report_list(request, key: str, *, error: str = "", status: int = 200):
    customer = _customer(key)
    month = request.POST.get("month") or request.GET.get("month") or _last_month()
    try:
        note = Recommendation.objects.filter(customer=customer, month=months.parse(month)).first()
    except Invalid:
        note = None
    return render(request, "reports/staff_list.html", status=status, context={
        "customer": customer, "reports": services.reports_of(customer), "month": month, "error": error,
        "recommendation": note.text if note else "", "language": wording.known(customer.language),
        "reviewer": reviewer(customer)})


@staff_required
@require_POST
def report_make(request, key: str):
    customer = _customer(key)
    month, language = request.POST.get("month", ""), request.POST.get("language") or None
    try:
        services.report_make(customer=customer, month=month, language=language)
    except Invalid as e:
        return report_list(request, key, error=f"{e.field}: {e.message}", status=422)
    return redirect(reverse("customer-reports", args=[key]))


@staff_required
@require_POST
def recommendation(request, key: str):
    customer = _customer(key)
    try:
        services.recommendation_save(customer=customer, month=request.POST.get("month", ""),
                                     text=request.POST.get("text", ""), by=request.user.get_username())
    except Invalid as e:
        return report_list(request, key, error=f"{e.field}: {e.message}", status=422)
    return redirect(reverse("customer-reports", args=[key]) + f"?month={request.POST['month']}")


@staff_required
@require_POST
def approve(request, key: str, month: str, language: str):
    row = _row(key, month, language)
    services.report_approve(report=row, by=request.user.get_username())
    return redirect(reverse("customer-reports", args=[key]))


@staff_required
def download(request, key: str, month: str, language: str):
    return pdf_answer(_row(key, month, language), key)


def _row(key: str, month: str, language: str):
    try:
        return services.report_get(customer=_customer(key), month=month, language=language)
    except NotFound as e:
        raise Http404(str(e)) from None


def pdf_answer(row, key: str) -> HttpResponse:
    answer = HttpResponse(bytes(row.pdf), content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{services.filename(row, key)}"'
    return answer
