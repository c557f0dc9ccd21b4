"""The ticket work that comes due with time, run by the ``custode notifier`` process beside the incidents:
due times kept equal to what the plans say now, the SLA warnings written when they come due, and a ticket for
each customer of an incident that resolved."""

from __future__ import annotations

import time

from django.utils import timezone

from custode.tickets import proactive, services

REFRESH_EVERY = 30.0  # seconds between looks for tickets whose plan changed under them
_last_refresh = [float("-inf")]


def step() -> bool:
    """One unit of ticket work; True when there was some."""
    now = timezone.now()
    refreshed = 0
    if time.monotonic() - _last_refresh[0] >= REFRESH_EVERY:
        refreshed = services.sla_refresh_stale()
        _last_refresh[0] = time.monotonic()
    return bool(refreshed + services.sla_warn(now=now) + proactive.step())
