"""Staff pages of backups: the daily round (every job, worst first, and its sign-off form) and a customer's
evidence for a period, printable. Thin: ``custode.backups.round`` and ``custode.backups.evidence`` do the work.

Bad input shows the page again with the error naming the field (400; 404 for a job or customer that does not
exist), and nothing is stored.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_POST

from custode.backups import evidence, round as backup_round
from custode.directory.models import Customer, Provider
from custode.directory.services import customer_get
from custode.incidents.wording import zone
from custode.lib.changes import Invalid, NotFound
from custode.tickets.services import MAX_MINUTES
from custode.web.access import staff_required


class SignOffForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What was checked or done"), max_length=backup_round.MAX_NOTE)
    minutes = forms.IntegerField(label=gettext_lazy("Minutes spent"), required=False, min_value=1,
                                 max_value=MAX_MINUTES)


@staff_required
def backup_round_page(request):
    return _round(request)


def _round(request, *, status: int = 200, error: str = "", failed_job: str = "", form: SignOffForm | None = None):
    rows = backup_round.round_rows()
    context = {"rows": rows, "tally": backup_round.tally(rows), "tz": zone(Provider.get().timezone),
               "error": error, "failed_job": failed_job, "form": form}
    return render(request, "web/backups.html", context, status=status)


@staff_required
@require_POST
def backup_signoff(request, key: str):
    form = SignOffForm(request.POST)
    if not form.is_valid():
        said = "; ".join(f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
                         for name, errors in form.errors.items())
        return _round(request, status=400, error=_("Not signed off (%(job)s): %(errors)s") % {"job": key, "errors": said},
                      failed_job=key, form=form)
    try:
        backup_round.signoff_create(job=key, user=request.user, **form.cleaned_data)
    except NotFound:
        return _round(request, status=404, error=_("Not signed off: there is no backup job %(job)s.") % {"job": key})
    except Invalid as e:
        return _round(request, status=400, error=_("Not signed off (%(job)s): %(field)s %(message)s")
                      % {"job": key, "field": e.field, "message": e.message}, failed_job=key, form=form)
    messages.success(request, _("%(job)s signed off.") % {"job": key})
    return redirect(f"{reverse('backups')}#job-{key}")


@staff_required
def backup_evidence_page(request):
    wanted = request.GET.get("customer", "")
    context = {"customers": list(Customer.objects.order_by("name").values_list("key", "name")), "wanted": wanted,
               "start": request.GET.get("from", ""), "end": request.GET.get("to", ""),
               "tz": zone(Provider.get().timezone)}
    if not wanted:
        return render(request, "web/backup_evidence.html", context)
    try:
        customer = customer_get(wanted)
    except NotFound:
        context["error"] = _("There is no customer %(customer)s.") % {"customer": wanted}
        return render(request, "web/backup_evidence.html", context, status=404)
    try:
        first, last = evidence.period(context["start"], context["end"])
    except Invalid as e:
        context["error"] = f"{e.field}: {e.message}"
        return render(request, "web/backup_evidence.html", context, status=400)
    context["evidence"] = evidence.evidence(customer, first, last)
    return render(request, "web/backup_evidence.html", context)
