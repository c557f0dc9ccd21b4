"""Probes: added with a token shown once and kept as a hash, listed, revoked; a token recognised on each request."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone

from custode.accounts.models import token_hash
from custode.lib.changes import Invalid, NotFound
from custode.lib.types import LOCATION, LOCATION_RULE
from custode.probes.models import Probe

PREFIX = "cpr_"
LOCAL = "local"  # the server's own engines' location: no probe takes it
SEEN_EVERY = dt.timedelta(seconds=5)  # a probe's last_seen_at is written at most this often (it asks every 2 s)


class ProbeExists(Exception):
    """A probe of that name is in use."""


def probe_add(*, name: str, now: dt.datetime | None = None) -> tuple[Probe, str]:
    """A probe for location NAME and its token, which is never stored and cannot be shown again.

    A revoked probe's name is taken again with a new token; a probe still in use is refused (revoke it first)."""
    if not LOCATION.fullmatch(name):
        raise Invalid("name", f"{name!r} {LOCATION_RULE}")
    if name == LOCAL:
        raise Invalid("name", "'local' is the location of the server's own engines (`custode engine`); "
                              "name the probe for the place it runs in, like 'milan'")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = now or timezone.now()
    fresh = {"digest": token_hash(secret), "created_at": now, "last_seen_at": None, "silent_since": None,
             "revoked_at": None}
    with transaction.atomic():
        probe = Probe.objects.select_for_update().filter(name=name).first()
        if probe is not None and probe.revoked_at is None:
            raise ProbeExists(f"probe {name!r} already exists; `custode probes revoke {name}` first to give it "
                                "a new token")
        if probe is None:
            probe = Probe.objects.create(name=name, **fresh)
        else:
            Probe.objects.filter(pk=probe.pk).update(**fresh)
            probe.refresh_from_db()
    return probe, secret


def probe_list() -> list[Probe]:
    return list(Probe.objects.order_by("name"))


def probe_revoke(*, name: str, now: dt.datetime | None = None) -> Probe:
    """Refuse the probe's token from now on. Revoking a revoked probe changes nothing."""
    probe = Probe.objects.filter(name=name).first()
    if probe is None:
        raise NotFound("probe", name)
    if probe.revoked_at is None:
        probe.revoked_at = now or timezone.now()
        Probe.objects.filter(pk=probe.pk, revoked_at=None).update(revoked_at=probe.revoked_at)
    return probe


def probe_authenticate(secret: str, *, now: dt.datetime | None = None) -> Probe | None:
    """The probe whose token SECRET is, unless revoked; it is noted as heard from now."""
    probe = Probe.objects.filter(digest=token_hash(secret), revoked_at=None).first()
    if probe is None:
        return None
    now = now or timezone.now()
    if probe.last_seen_at is None or now - probe.last_seen_at >= SEEN_EVERY:
        Probe.objects.filter(pk=probe.pk).update(last_seen_at=now)
        probe.last_seen_at = now
    return probe
