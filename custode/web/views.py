from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from custode.directory.services import staff_language_set
from custode.web import forms, selectors
from custode.web.access import staff_required

PAGE_SIZE = 100


@staff_required
def dashboard(request):
    filters = forms.DashboardFilters(request.GET, customers=selectors.customer_list())
    if not filters.is_valid():
        return render(request, "web/dashboard.html", {"filters": filters}, status=400)
    customer, state = filters.cleaned_data["customer"], filters.cleaned_data["state"]
    rows = selectors.monitor_rows(customer=customer, state=state)
    context = {
        "filters": filters,
        "counts": selectors.state_counts(customer=customer),
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "web/dashboard.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "GET":
        form = forms.LanguageForm(initial={"language": request.LANGUAGE_CODE})
        return render(request, "web/settings.html", {"form": form})
    form = forms.LanguageForm(request.POST)
    if not form.is_valid():
        return render(request, "web/settings.html", {"form": form}, status=400)
    staff_language_set(user=request.user, language=form.cleaned_data["language"])
    return redirect(_safe_next(request, form.cleaned_data["next"]))


def _safe_next(request, target: str) -> str:
    allowed = url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure())
    return target if target and allowed else "dashboard"
