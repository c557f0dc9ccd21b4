"""Staff pages of incidents: the list, one incident's page, and the small views its forms post to.

The forms post to their own views, which call the incident services and go back to the incident's page;
bad input shows the page again with the error next to the field (400), and a resolved incident refuses
changes (409), so nothing is half-applied and nothing is a 500.
"""

from __future__ import annotations

import functools

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from custode.directory.models import Provider
from custode.incidents import services
from custode.incidents.contexts import stock_text
from custode.incidents.models import Incident, Status
from custode.incidents.selectors import incident_detail
from custode.incidents.wording import zone
from custode.lib.changes import Invalid, NotFound
from custode.lib.types import LANGUAGES
from custode.notify.selectors import delivery_log, staff_alerted, unalerted_incidents
from custode.web import forms, selectors
from custode.web.access import staff_required

RESOLVED_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


@staff_required
def incident_list(request):
    resolved = selectors.incident_rows(status=Status.RESOLVED)
    open_rows = list(selectors.incident_rows(status="open"))
    page = Paginator(resolved, RESOLVED_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "open": open_rows,
        "page": page,
        "tz": zone(Provider.get().timezone),
        "unalerted": unalerted_incidents([*open_rows, *page.object_list]),
    }
    return render(request, "web/incidents.html", context)


@staff_required
def incident_page(request, incident_id: int):
    return _page(request, incident_id)


def _page(request, incident_id: int, *, status: int = 200, conflict: str = "", **bound):
    """The incident's page; BOUND holds a form that failed, shown with its errors instead of a fresh one."""
    try:
        detail = incident_detail(incident_id)
    except NotFound:
        raise Http404(f"incident {incident_id} does not exist") from None
    incident, language = detail.incident, _language(request)
    context = {
        "detail": detail,
        "incident": incident,
        "staff_alerted": staff_alerted(incident),
        "customers": _customers_with_assets(detail),
        "tz": zone(Provider.get().timezone),
        "log": Paginator(delivery_log(topic=f"incident:{incident.pk}"), LOG_PAGE_SIZE).get_page(request.GET.get("log")),
        "conflict": conflict,
        "stock": {lang: {t: stock_text(t, lang) for t in services.TEMPLATES} for lang in LANGUAGES},
        "update_form": bound.get("update_form") or forms.IncidentUpdateForm(
            initial={"status": incident.status, "language": language, "public": "public"}),
        "reassign_form": bound.get("reassign_form") or forms.ReassignForm(
            staff=selectors.staff_choices(), initial={"owner": incident.owner.user.username if incident.owner else ""}),
        "resolve_form": bound.get("resolve_form") or forms.ResolveForm(initial={"language": language}),
    }
    return render(request, "web/incident.html", context, status=status)


def _language(request) -> str:
    return request.LANGUAGE_CODE if request.LANGUAGE_CODE in LANGUAGES else Provider.get().language


def _customers_with_assets(detail) -> list[tuple]:
    """(affected customer row, that customer's affected assets), then (None, the provider's own assets)."""
    by_owner: dict[int | None, list] = {}
    for asset in detail.assets:
        by_owner.setdefault(asset.customer_id, []).append(asset)
    rows = [(row, by_owner.get(row.customer_id, [])) for row in detail.affected]
    return rows + ([(None, by_owner[None])] if None in by_owner else [])


def _incident_form(form_name: str, form_class):
    """A POST-only view: validate FORM_CLASS, call the wrapped action with the clean data, back to the page.

    An Invalid from the service goes next to the field it names; one about the incident itself (it is
    resolved) is a 409 with the reason at the top of the page.
    """
    def decorate(action):
        @staff_required
        @require_POST
        @functools.wraps(action)
        def view(request, incident_id: int):
            incident = Incident.objects.filter(pk=incident_id).select_related("owner").first()
            if incident is None:
                raise Http404(f"incident {incident_id} does not exist")
            form = form_class(request.POST, **_form_kwargs(form_class))
            if incident.status == Status.RESOLVED:
                return _refused(request, incident)
            if form.is_valid():
                try:
                    action(request, incident, form.cleaned_data)
                except Invalid as e:
                    if e.field == "incident":
                        return _refused(request, incident)
                    form.add_error(e.field if e.field in form.fields else None, e.message)
                else:
                    return redirect("incident", incident_id=incident.pk)
            return _page(request, incident.pk, status=400, **{form_name: form})
        return view
    return decorate


def _form_kwargs(form_class) -> dict:
    return {"staff": selectors.staff_choices()} if form_class is forms.ReassignForm else {}


def _refused(request, incident: Incident):
    message = _("Incident %(id)s is resolved: it takes no more updates.") % {"id": incident.pk}
    return _page(request, incident.pk, status=409, conflict=message)


def _author(request):
    return getattr(request.user, "staff", None)


@_incident_form("update_form", forms.IncidentUpdateForm)
def incident_update(request, incident: Incident, data: dict) -> None:
    services.incident_post_update(
        incident=incident, author=_author(request), status=data["status"], public=data["public"],
        template=data["template"], message=data["message"], language=data["language"],
    )


@_incident_form("reassign_form", forms.ReassignForm)
def incident_reassign(request, incident: Incident, data: dict) -> None:
    services.incident_reassign(incident=incident, owner=selectors.staff_by_username(data["owner"]))


@_incident_form("resolve_form", forms.ResolveForm)
def incident_resolve(request, incident: Incident, data: dict) -> None:
    services.incident_resolve(incident=incident, author=_author(request), message=data["message"],
                              language=data["language"] if data["message"].strip() else "")
