"""The staff page of warranties and licences: what expires within 90 days or has expired, soonest first, each with
an Acknowledge button that stops its alerts until its date changes. Thin: ``custode.assets.expiries`` does the work.

Bad input (an unknown asset 404, a licence it does not have or a warranty without a date 400) shows the page again
with the error, and nothing is stored.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, pgettext
from django.views.decorators.http import require_POST

from custode.assets.expiries import EXPIRED, HORIZON, NothingToAcknowledge, expiry_acknowledge, expiry_items
from custode.directory.models import Provider
from custode.incidents.wording import zone
from custode.lib.changes import Invalid, NotFound
from custode.web.access import staff_required


@staff_required
def warranty_list(request):
    return _page(request)


def _page(request, *, status: int = 200, error: str = ""):
    tz = zone(Provider.get().timezone)
    items = expiry_items(today=timezone.now().astimezone(tz).date())
    context = {
        "pending": [i for i in items if i.acknowledged_at is None],
        # an acknowledged item stays in sight for HORIZON days after its date, then only its asset remembers it
        "acknowledged": [i for i in items if i.acknowledged_at is not None and i.days_left >= -HORIZON],
        "expired": EXPIRED, "horizon": HORIZON, "tz": tz, "error": error,
    }
    return render(request, "web/warranties.html", context, status=status)


@staff_required
@require_POST
def warranty_acknowledge(request, key: str):
    licence = request.POST.get("licence") or None
    try:
        expiry_acknowledge(asset=key, licence=licence, by=request.user.username)
    except NotFound:
        return _page(request, status=404, error=_("Not acknowledged: there is no asset %(asset)s.") % {"asset": key})
    except (Invalid, NothingToAcknowledge) as e:
        return _page(request, status=400, error=_("Not acknowledged (%(asset)s): %(error)s") % {
            "asset": key, "error": e.message if isinstance(e, Invalid) else str(e)})
    what = _("licence %(name)s") % {"name": licence} if licence else pgettext("warranty", "warranty")
    messages.success(request, _("%(asset)s: %(what)s acknowledged; no more alerts until its date changes.")
                     % {"asset": key, "what": what})
    return redirect(reverse("warranties"))
