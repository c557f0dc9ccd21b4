"""What of the assets expires soon: warranties (``warranty_until``) and licences, the alerts staff get for each,
and staff's acknowledgement that stops them.

An item is told at STAGES days before it expires (90, 30, 7) and once more when it has expired (stage 0): each
stage once (an ``ExpiryAlert`` row per item, date and stage), and only the nearest one reached, so an asset added
20 days before its warranty ends is told once at 30 days, not at 90 and 30 together. An item that expired long
ago is still told once, then stays on the staff page until someone acknowledges it. An acknowledgement
(``ExpiryAcknowledgement``) names the date it saw: when the date changes (a renewed warranty), the item is a new
one and its alerts start over.

Reading is one query per kind of item whatever the number of assets; items already told they expired, and
acknowledged ones, are left out by the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.utils import timezone

from custode.assets.models import LICENCE, WARRANTY, Asset, ExpiryAcknowledgement, ExpiryAlert, Licence
from custode.assets.services import asset_get
from custode.lib.changes import Invalid

STAGES = (90, 30, 7)  # days before the date an item is told at
EXPIRED = 0  # the stage of an item whose date has passed
HORIZON = max(STAGES)


class NothingToAcknowledge(Exception):
    """The asset has no warranty date: there is nothing to acknowledge (the API's 409)."""


@dataclass(frozen=True)
class Item:
    """A warranty (NAME empty) or licence of an asset, with the stage it has reached on the day it was read."""

    asset_id: int
    asset_key: str
    asset_name: str
    customer: str  # the customer's name; empty for the provider's own asset
    kind: str
    name: str
    expires: dt.date
    days_left: int
    stage: int | None  # None: further than HORIZON days away
    last_told: int | None  # the nearest stage already told for this date
    acknowledged_by: str = ""
    acknowledged_at: dt.datetime | None = None

    @property
    def due(self) -> bool:
        """An alert is due: a stage reached that is nearer than any told, and nobody acknowledged it."""
        return (self.stage is not None and self.acknowledged_at is None
                and (self.last_told is None or self.stage < self.last_told))


def stage_of(expires: dt.date, today: dt.date) -> int | None:
    """The stage EXPIRES has reached on TODAY: EXPIRED the day after it, else the nearest of STAGES reached."""
    days = (expires - today).days
    if days < 0:
        return EXPIRED
    reached = [stage for stage in STAGES if days <= stage]
    return min(reached) if reached else None


def expiry_items(*, today: dt.date, to_alert: bool = False, asset: Asset | None = None) -> list[Item]:
    """The warranties and licences that expire within HORIZON days of TODAY or have expired, soonest first.

    TO_ALERT leaves out, in the database, what can need no alert (acknowledged, or already told expired);
    ASSET reads that asset's items only, whatever their date."""
    items = _warranties(today, to_alert, asset) + _licences(today, to_alert, asset)
    return sorted(items, key=lambda i: (i.expires, i.customer, i.asset_name, i.kind != WARRANTY, i.name))


def _warranties(today: dt.date, to_alert: bool, asset: Asset | None) -> list[Item]:
    rows = Asset.objects.filter(warranty_until__isnull=False)
    rows = rows.filter(pk=asset.pk) if asset else rows.filter(warranty_until__lte=today + dt.timedelta(HORIZON))
    rows = _annotated(rows, kind=WARRANTY, asset="pk", name=Value(""), expires="warranty_until", to_alert=to_alert)
    values = rows.values("pk", "key", "name", "customer__name", "warranty_until", "last_told", "ack_by", "ack_at")
    return [_item(today, r["pk"], r["key"], r["name"], r["customer__name"], WARRANTY, "", r["warranty_until"], r)
            for r in values]


def _licences(today: dt.date, to_alert: bool, asset: Asset | None) -> list[Item]:
    rows = Licence.objects.all()
    rows = rows.filter(asset=asset) if asset else rows.filter(expires__lte=today + dt.timedelta(HORIZON))
    rows = _annotated(rows, kind=LICENCE, asset="asset_id", name=OuterRef("name"), expires="expires",
                      to_alert=to_alert)
    values = rows.values("asset_id", "asset__key", "asset__name", "asset__customer__name", "name", "expires",
                         "last_told", "ack_by", "ack_at")
    return [_item(today, r["asset_id"], r["asset__key"], r["asset__name"], r["asset__customer__name"], LICENCE,
                  r["name"], r["expires"], r) for r in values]


def _annotated(rows, *, kind: str, asset: str, name, expires: str, to_alert: bool):
    """ROWS with the nearest stage told (``last_told``) and who acknowledged (``ack_by``, ``ack_at``) for the date
    they hold; with TO_ALERT, without those acknowledged or already told expired."""
    same = dict(asset=OuterRef(asset), kind=kind, name=name, expires=OuterRef(expires))
    told = ExpiryAlert.objects.filter(**same).order_by("stage").values("stage")[:1]
    ack = ExpiryAcknowledgement.objects.filter(**same)
    rows = rows.annotate(last_told=Subquery(told), ack_by=Subquery(ack.values("by")[:1]),
                         ack_at=Subquery(ack.values("at")[:1]))
    if to_alert:
        rows = rows.exclude(Exists(ack)).filter(Q(last_told__isnull=True) | Q(last_told__gt=EXPIRED))
    return rows


def _item(today: dt.date, asset_id: int, key: str, asset_name: str, customer: str | None, kind: str, name: str,
          expires: dt.date, row: dict) -> Item:
    return Item(asset_id=asset_id, asset_key=key, asset_name=asset_name, customer=customer or "", kind=kind,
                name=name, expires=expires, days_left=(expires - today).days, stage=stage_of(expires, today),
                last_told=row["last_told"], acknowledged_by=row["ack_by"] or "", acknowledged_at=row["ack_at"])


def expiries_told(items: list[Item], *, now: dt.datetime) -> None:
    """Record that ITEMS were told at their stage (a record already there, written by a racing notifier, stays)."""
    ExpiryAlert.objects.bulk_create(
        [ExpiryAlert(asset_id=i.asset_id, kind=i.kind, name=i.name, expires=i.expires, stage=i.stage, sent_at=now)
         for i in items], ignore_conflicts=True, batch_size=1000)


def expiry_acknowledge(*, asset: str, licence: str | None = None, by: str,
                       now: dt.datetime | None = None) -> ExpiryAcknowledgement:
    """Stop the alerts for ASSET's warranty (LICENCE None) or its licence LICENCE until its date changes.
    Acknowledging twice keeps the first acknowledgement. NotFound for an unknown asset; Invalid (field ``licence``)
    for a licence it does not have; NothingToAcknowledge for a warranty without a date."""
    owner = asset_get(asset)
    if licence is None:
        if owner.warranty_until is None:
            raise NothingToAcknowledge(f"asset {asset!r} has no warranty_until: there is nothing to acknowledge")
        kind, name, expires = WARRANTY, "", owner.warranty_until
    else:
        found = Licence.objects.filter(asset=owner, name=licence).first()
        if found is None:
            raise Invalid("licence", f"asset {asset!r} has no licence {licence!r}")
        kind, name, expires = LICENCE, licence, found.expires
    ack, _ = ExpiryAcknowledgement.objects.get_or_create(
        asset=owner, kind=kind, name=name, expires=expires, defaults={"at": now or timezone.now(), "by": by[:150]})
    return ack
