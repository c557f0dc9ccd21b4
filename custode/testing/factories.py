"""Small factories that build a test's world in the database, one object per call.

Every argument has a sensible default so a test names only what matters to it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from custode.assets.models import Asset
from custode.directory.models import Contact, Customer, Plan, Provider, StaffProfile
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Monitor
from custode.probes.models import Probe
from custode.probes.services import probe_add
from custode.results.models import StateChange

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def provider(**fields) -> Provider:
    defaults = dict(name="Rete Sicura", timezone="Europe/Rome", language="it", contact_phone="+39 0521 000000",
                    contact_email="assistenza@retesicura.example", status_slug="stato", configured=True)
    Provider.objects.update_or_create(pk=1, defaults={**defaults, **fields})
    return Provider.get()


def plan(key: str | None = None, **fields) -> Plan:
    return Plan.objects.create(key=key or f"plan-{_n()}", **fields)


def customer(key: str | None = None, **fields) -> Customer:
    n = _n()
    fields.setdefault("name", f"Customer {n}")
    fields.setdefault("language", "en")
    return Customer.objects.create(key=key or f"customer-{n}", **fields)


def contact(customer: Customer, **fields) -> Contact:
    n = _n()
    fields.setdefault("name", f"Contact {n}")
    fields.setdefault("email", f"contact{n}@example.com")
    fields.setdefault("notify", ["email"])
    return Contact.objects.create(customer=customer, **fields)


def asset(key: str | None = None, *, customer: Customer | None = None, **fields) -> Asset:
    n = _n()
    fields.setdefault("kind", "website")
    fields.setdefault("name", f"asset-{n}.example")
    return Asset.objects.create(key=key or f"asset-{n}", customer=customer, **fields)


def monitor(key: str | None = None, *, asset: Asset | None = None, **fields) -> Monitor:
    n = _n()
    fields.setdefault("type", "http")
    fields.setdefault("interval", 60)
    if fields["type"] == "http":
        fields.setdefault("spec", {"url": f"https://site{n}.example/"})
    return Monitor.objects.create(key=key or f"monitor-{n}", asset=asset or globals()["asset"](), **fields)


def probe(name: str = "milan") -> tuple[Probe, str]:
    """A remote probe of location NAME, and its token."""
    return probe_add(name=name)


def staff(username: str | None = None, *, password: str = "correct horse battery", superuser: bool = False,
          **profile):
    """A staff user with a profile; ``password`` lets a test log in."""
    User = get_user_model()
    username = username or f"tech{_n()}"
    user = User.objects.create_user(username=username, password=password, email=f"{username}@example.com",
                                    is_staff=True, is_superuser=superuser)
    profile.setdefault("name", username.title())
    StaffProfile.objects.create(user=user, **profile)
    return user


def maintenance(*assets: Asset, start, duration: int = 3600, **fields) -> MaintenanceWindow:
    fields.setdefault("title", {"en": "Planned maintenance", "it": "Manutenzione programmata",
                                "es": "Mantenimiento programado"})
    window = MaintenanceWindow.objects.create(key=fields.pop("key", f"window-{_n()}"), start=start,
                                              duration=duration, **fields)
    window.assets.set(assets)
    return window


def state_change(monitor: Monitor, state: str, *, at, failing_since=None) -> StateChange:
    """What the engine writes when a monitor changes state: the monitor's new state and its StateChange row."""
    old = Monitor.objects.get(pk=monitor.pk).state
    Monitor.objects.filter(pk=monitor.pk).update(state=state, state_since=at)
    monitor.state = state
    return StateChange.objects.create(monitor=monitor, at=at, from_state=old, to_state=state,
                                      failing_since=failing_since)


def provider_a_day_off_utc(**fields) -> tuple[Provider, dt.date]:
    """The provider in a time zone whose date is not UTC's right now (a day ahead from 10:00 UTC, a day behind
    before), and that date: what turns on the provider's date shows it, whatever the hour the test runs."""
    now = timezone.now()
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"  # UTC+14, UTC-11
    return provider(timezone=zone, **fields), now.astimezone(ZoneInfo(zone)).date()
