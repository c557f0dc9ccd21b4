"""Staff pages of the service desk: the queue in SLA order, a new ticket, one ticket's page and its forms.

The forms post to their own views, which call the ticket services and go back to the ticket's page; bad input
shows the page again with the error next to the field (400), so nothing is half-applied and nothing is a 500.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from custode.directory.models import Customer, Provider
from custode.incidents.wording import zone
from custode.lib.changes import Invalid
from custode.tickets import poller, selectors as tickets, services
from custode.tickets.models import Attachment, Status
from custode.web import selectors
from custode.web.access import staff_required
from custode.web.ticket_forms import (ACTIVE, ChangeForm, NewTicketForm, QueueFilters, QueuePosition, ReplyForm,
                                     TimeForm)

PAGE_SIZE = 50


def _customers() -> list[tuple[str, str]]:
    return list(Customer.objects.order_by("name").values_list("key", "name"))


@staff_required
def ticket_queue(request):
    filters = QueueFilters(request.GET or None, customers=_customers())
    if filters.is_bound and not filters.is_valid():
        return render(request, "web/tickets.html", {"filters": filters, "rows": [], "page": None}, status=400)
    wanted = filters.cleaned_data if filters.is_bound else {"status": ACTIVE, "customer": "", "mine": False}
    status = wanted["status"] or ACTIVE
    rows = tickets.queue(customer=wanted["customer"] or None,
                         status=None if status in (ACTIVE, "all") else status)
    if status == ACTIVE:
        rows = rows.filter(status__in=[Status.OPEN, Status.WAITING])
    if wanted["mine"]:
        rows = rows.filter(assignee__user=request.user)
    position = QueuePosition(request.GET)
    try:
        page = tickets.queue_page(rows, PAGE_SIZE, **position.position())
    except (Invalid, ValueError) as e:
        return render(request, "web/tickets.html", {"filters": filters, "rows": [], "page": None,
                                                    "position_error": str(e)}, status=400)
    context = {"filters": filters, "page": page, "tz": zone(Provider.get().timezone),
               "cursors": {"before": page.rows[0].number, "after": page.rows[-1].number} if page.rows else {},
               "rows": list(zip(page.rows, tickets.clocks(page.rows))), "triage": poller.triage_count()}
    return render(request, "web/tickets.html", context)


@staff_required
def ticket_new(request):
    form = NewTicketForm(request.POST or None, customers=_customers(),
                         initial={"customer": request.GET.get("customer", "")})
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_open(staff=_author(request), **form.cleaned_data)
        except Invalid as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            return redirect("ticket", number=ticket.number)
    return render(request, "web/ticket_new.html", {"form": form}, status=400 if form.errors else 200)


@staff_required
def ticket_page(request, number: int):
    return _page(request, number)


def _page(request, number: int, *, status: int = 200, **bound):
    ticket = tickets.ticket_rows().filter(number=number).first()
    if ticket is None:
        raise Http404(f"ticket {number} does not exist")
    staff = selectors.staff_choices()
    context = {
        "ticket": ticket, "sla": services.sla_of(ticket), "tz": zone(Provider.get().timezone),
        "replies": ticket.replies.prefetch_related(Prefetch("attachments", Attachment.objects.defer("data"))),
        "entries": ticket.time_entries.select_related("staff"),
        "reply_form": bound.get("reply_form") or ReplyForm(),
        "change_form": bound.get("change_form") or ChangeForm(staff=staff, initial={
            "status": ticket.status, "assignee": ticket.assignee.user.username if ticket.assignee else ""}),
        "time_form": bound.get("time_form") or TimeForm(),
    }
    return render(request, "web/ticket.html", context, status=status)


def _author(request):
    return getattr(request.user, "staff", None)


def _ticket_form(form_name: str, form_class, action):
    """A POST-only view: validate FORM_CLASS, call ACTION with the ticket and the clean data, back to the page;
    an Invalid from the service goes next to the field it names."""

    @staff_required
    @require_POST
    def view(request, number: int):
        ticket = tickets.ticket_rows().filter(number=number).first()
        if ticket is None:
            raise Http404(f"ticket {number} does not exist")
        kwargs = {"staff": selectors.staff_choices()} if form_class is ChangeForm else {}
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                action(request, ticket, form.cleaned_data)
            except Invalid as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                return redirect("ticket", number=number)
        return _page(request, number, status=400, **{form_name: form})

    return view


def _reply(request, ticket, data: dict) -> None:
    services.ticket_reply(ticket=ticket, body=data["body"], public=not data["internal"], staff=_author(request))


def _change(request, ticket, data: dict) -> None:
    wanted = data["assignee"] or None
    services.ticket_change(ticket=ticket, status=data["status"], staff=_author(request),
                           assignee=selectors.staff_by_username(wanted) if wanted else None)


def _time(request, ticket, data: dict) -> None:
    services.ticket_log_time(ticket=ticket, minutes=data["minutes"], note=data["note"], staff=_author(request))


ticket_reply = _ticket_form("reply_form", ReplyForm, _reply)
ticket_change = _ticket_form("change_form", ChangeForm, _change)
ticket_time = _ticket_form("time_form", TimeForm, _time)
