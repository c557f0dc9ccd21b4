from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from custode.directory.models import Provider
from custode.directory.services import staff_language_set
from custode.incidents.wording import zone
from custode.lib.changes import Invalid
from custode.notify import services as notify_services
from custode.notify.selectors import delivery_log, held_count
from custode.tickets import poller
from custode.web import forms, selectors
from custode.web.access import staff_required

PAGE_SIZE = 100


@staff_required
def dashboard(request):
    filters = forms.DashboardFilters(request.GET, customers=selectors.customer_choices())
    position = forms.DashboardPosition(request.GET)
    if not all([filters.is_valid(), position.is_valid()]):  # both, so the page shows every error
        return render(request, "web/dashboard.html", {"filters": filters, "position": position}, status=400)
    customer, state = filters.cleaned_data["customer"], filters.cleaned_data["state"]
    counts = selectors.state_counts(customer=customer)
    matching = counts["of"].get(state, 0) if state else counts["total"]
    page = selectors.monitor_page(customer=customer, state=state, matching=matching, size=PAGE_SIZE,
                                  **position.position())
    context = {
        "filters": filters,
        "position": position,
        "counts": counts,
        "page": page,
        "cursors": _cursors(page),
        "held": held_count(),
        "mailboxes": (mailboxes := poller.unreadable()),
        "tz": zone(Provider.get().timezone) if mailboxes else None,
        "unalerted": selectors.unalerted_open_incidents(),
    }
    return render(request, "web/dashboard.html", context)


def _cursors(page) -> dict:
    """The page links' cursors: the previous page ends before the first row, the next starts after the last."""
    if not page.rows:
        return {}
    return {"before": selectors.monitor_cursor(page.rows[0]), "after": selectors.monitor_cursor(page.rows[-1])}


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


@staff_required
@require_POST
def held_release(request):
    return _decide(request, notify_services.messages_release, _("Released: %(count)d; the notifier sends them now."))


@staff_required
@require_POST
def held_discard(request):
    return _decide(request, notify_services.messages_discard, _("Discarded: %(count)d; they will never be sent."))


def _decide(request, decision, done: str):
    """Release or discard the held messages the form names (``ids``), else every held one (of ``topic``, when
    given); back to ``next`` with what happened, or why nothing did."""
    form = forms.HeldDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_safe_next(request, request.POST.get("next", "")))
    data = form.cleaned_data
    where = None if data["ids"] else delivery_log(status="held", topic=data["topic"] or None)
    try:
        ids = decision(ids=data["ids"] or None, where=where, by=request.user.get_username())
    except (Invalid, notify_services.NotHeld) as e:
        messages.error(request, getattr(e, "message", str(e)))
    else:
        messages.success(request, done % {"count": len(ids)})
    return redirect(_safe_next(request, data["next"]))
