"""Staff pages of customers: the list, and one customer's page with their private status link and ping URLs, their
hours bank for this month and the last, their tickets and their latest incidents.

"New link" posts to its own view, which calls the same service as the API and the admin and goes back to
the customer's page; the old link stops working at once.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from custode.directory.models import Provider
from custode.directory.services import customer_rotate_status_token
from custode.incidents.wording import zone
from custode.lib.changes import NotFound
from custode.notify.selectors import unalerted_incidents
from custode.tickets import hours, selectors as tickets
from custode.web import selectors
from custode.web.access import staff_required

RECENT_INCIDENTS = 5


@staff_required
def customer_list(request):
    return render(request, "web/customers.html", {"customers": selectors.customer_rows()})


@staff_required
def customer_page(request, key: str):
    customer = _customer(key)
    tz = zone(Provider.read().timezone)
    month = hours.month_of(timezone.now(), tz)
    context = {
        "customer": customer, "rotated": "rotated" in request.GET, "tz": tz,
        "banks": [hours.bank(customer, m, tz) for m in (month, hours.previous(month))],
        "tickets": list(zip(shown := tickets.customer_tickets(key), tickets.clocks(shown))),
    }
    context["incidents"] = list(selectors.incident_rows(customer=key)[:RECENT_INCIDENTS])
    context["unalerted"] = unalerted_incidents(context["incidents"])
    return render(request, "web/customer.html", context)


@staff_required
@require_POST
def customer_status_link(request, key: str):
    customer_rotate_status_token(customer=_customer(key))
    return redirect(reverse("customer", args=[key]) + "?rotated=1#status-link")


def _customer(key: str):
    try:
        return selectors.customer_detail(key)
    except NotFound:
        raise Http404(f"customer {key!r} does not exist") from None
