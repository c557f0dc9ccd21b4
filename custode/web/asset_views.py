"""The staff page of one asset: its facts and monitors, and what its agent last reported, with a day of load,
memory and disk as sparklines, its inventory and pending updates; without an agent, how to enrol one."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from custode.directory.models import Provider
from custode.incidents.wording import zone
from custode.lib.changes import NotFound
from custode.lib.links import absolute
from custode.web import asset_selectors as selectors
from custode.web.access import staff_required


@staff_required
def asset_page(request, key: str):
    try:
        asset = selectors.asset_detail(key)
    except NotFound:
        raise Http404(f"asset {key!r} does not exist") from None
    agent = selectors.agent_of(asset)
    now, tz = timezone.now(), zone(Provider.read().timezone)
    context = {
        "asset": asset, "agent": agent, "now": now, "today": now.astimezone(tz).date(), "tz": tz,
        "reading": selectors.agent_reading(agent, now=now) if agent and agent.report else None,
        "server": absolute("/", request).rstrip("/"),  # what the enrol hint's ``--server`` names
    }
    return render(request, "web/asset.html", context)
