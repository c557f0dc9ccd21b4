"""The staff page of a customer's pending security updates: the assets waiting longer than the provider's
``patch_grace`` first, then every asset with an agent and what it counts, then 90 days of history. Thin:
``custode.agents.patches`` does the work, as it does for ``GET /api/v1/customers/<id>/patches``."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from custode.agents.patches import HISTORY, customer_patches
from custode.directory.models import Provider
from custode.directory.services import customer_get
from custode.incidents.wording import zone
from custode.lib import durations
from custode.lib.changes import NotFound
from custode.web.access import staff_required


@staff_required
def customer_patches_page(request, key: str):
    try:
        customer = customer_get(key)
    except NotFound:
        raise Http404(f"customer {key!r} does not exist") from None
    now = timezone.now()
    patches = customer_patches(customer, now=now)
    context = {"customer": customer, "patches": patches, "now": now, "history_days": HISTORY.days,
               "grace": durations.format(patches["older_than"].total_seconds()),
               "tz": zone(Provider.read().timezone)}
    return render(request, "web/customer_patches.html", context)
