"""Staff pages of the desk's e-mail: the triage list (mails from strangers, mails that could not be read, and
those a machine wrote), where staff make a ticket of a mail for the customer they choose or discard it; and the
files on a ticket's messages (e-mails' and the portal's), downloaded from a ticket's page."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from custode.directory.models import Customer, Provider
from custode.incidents.wording import zone
from custode.lib.changes import Invalid
from custode.lib.downloads import file_response
from custode.tickets import inbox
from custode.tickets.models import Attachment, InboundMail
from custode.web.access import staff_required
from custode.web.forms import QuickSelect

Outcome = InboundMail.Outcome
SHOWN = 100  # mails on the page, newest first


class TriageFilter(forms.Form):
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[
        (Outcome.TRIAGE, _("Waiting in triage")), (Outcome.IGNORED, _("Sent by a machine")), ("all", _("All"))])


class OpenForm(forms.Form):
    customer = forms.ChoiceField(label=_("Customer"), widget=QuickSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].choices = [("", "—"), *Customer.objects.order_by("name").values_list("key", "name")]


@staff_required
def triage(request, *, status: int = 200, failed: tuple[int, OpenForm | str] | None = None):
    """FAILED: the mail whose decision was refused, with its bound form or the reason."""
    show = TriageFilter(request.GET or None)
    if show.is_bound and not show.is_valid():
        return render(request, "web/triage.html", {"show": show, "rows": []}, status=400)
    wanted = (show.cleaned_data["show"] if show.is_bound else "") or Outcome.TRIAGE
    rows = InboundMail.objects.defer("raw").select_related("ticket", "decided_by").prefetch_related("attachments")
    if wanted != "all":
        rows = rows.filter(outcome=wanted)
    refused, why = failed or (None, None)
    context = {"show": show, "tz": zone(Provider.get().timezone), "refused": why if isinstance(why, str) else "",
               "rows": [(mail, why if mail.pk == refused and isinstance(why, OpenForm) else OpenForm(prefix=f"m{mail.pk}"))
                        for mail in rows.order_by("-id")[:SHOWN]]}
    return render(request, "web/triage.html", context, status=status)


@staff_required
@require_POST
def triage_open(request, mail_id: int):
    form = OpenForm(request.POST, prefix=f"m{mail_id}")
    if form.is_valid():
        try:
            ticket = inbox.triage_open(mail=mail_id, customer=form.cleaned_data["customer"],
                                       staff=getattr(request.user, "staff", None))
        except Invalid as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            return redirect("ticket", number=ticket.number)
    return triage(request, status=400, failed=(mail_id, form))


@staff_required
@require_POST
def triage_discard(request, mail_id: int):
    try:
        inbox.triage_discard(mail=mail_id, staff=getattr(request.user, "staff", None))
    except Invalid as e:
        return triage(request, status=400, failed=(mail_id, e.message))
    return redirect("triage")


@staff_required
def mail_raw(request, mail_id: int):
    """The mail as it was received, to open in a mail client (kept while it waits in triage)."""
    raw = InboundMail.objects.filter(pk=mail_id).values_list("raw", flat=True).first()
    if raw is None:
        raise Http404(f"mail {mail_id} is not kept as received")
    response = HttpResponse(bytes(raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{mail_id}.eml"'
    return response


@staff_required
def attachment(request, number: int, attachment_id: int):
    """A file on ticket NUMBER's thread (an e-mail's or a contact's), else 404 (also when it is another ticket's)."""
    return _file(Attachment.objects.filter(reply__ticket__number=number), attachment_id, f"ticket {number}")


@staff_required
def mail_attachment(request, mail_id: int, attachment_id: int):
    return _file(Attachment.objects.filter(mail_id=mail_id), attachment_id, f"mail {mail_id}")


def _file(rows, attachment_id: int, owner: str) -> HttpResponse:
    found = rows.filter(pk=attachment_id).first()
    if found is None:
        raise Http404(f"{owner} has no attachment {attachment_id}")
    return file_response(found.name, found.data)
