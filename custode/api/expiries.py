"""/api/v1/assets/<id>/expiries, /warranty/acknowledge, /licences/acknowledge: an asset's warranty and licences
with the alerts staff had of them, and the acknowledgement that stops those alerts until the date changes."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Optional

from django.http import HttpRequest
from django.utils import timezone
from ninja import Schema
from pydantic import Field

from custode.api import scope
from custode.api.errors import Conflict, ErrorOut, ObjectIn, Router
from custode.assets.expiries import EXPIRED, NothingToAcknowledge, expiry_acknowledge, expiry_items
from custode.assets.models import ExpiryAcknowledgement, Licence
from custode.assets.services import asset_get
from custode.directory.models import Provider
from custode.incidents.wording import zone

expiries = Router(tags=["assets"])


class ExpiryOut(Schema):
    kind: Literal["warranty", "licence"]
    name: str
    expires: dt.date
    days_left: int
    expired: bool
    seats: Optional[int] = None
    key_hint: str = ""
    last_alert: Optional[Literal["90d", "30d", "7d", "expired"]]
    acknowledged_by: str
    acknowledged_at: Optional[dt.datetime]


class AcknowledgementOut(Schema):
    asset: str
    kind: Literal["warranty", "licence"]
    name: str
    expires: dt.date
    acknowledged_by: str
    acknowledged_at: dt.datetime


class LicenceIn(ObjectIn):
    licence: str = Field(min_length=1, max_length=200, description="the licence's name, as the config file gives it")


def _stage(stage: int | None) -> str | None:
    return None if stage is None else "expired" if stage == EXPIRED else f"{stage}d"


@expiries.get("/{key}/expiries", response={200: list[ExpiryOut]}, operation_id="assets_expiries",
              summary="An asset's warranty and licences, with their alerts",
              description="Each of the asset's warranty (`warranty_until`) and licences, soonest first: `days_left` "
              "counted on the provider's today, `last_alert` the last alert staff had for this date (`90d`, `30d`, "
              "`7d` before, or `expired`), and who acknowledged it (no more alerts until the date changes).")
def asset_expiries(request: HttpRequest, key: str):
    asset = asset_get(key)
    scope.require(request, asset.customer_id, "asset", key)
    today = timezone.now().astimezone(zone(Provider.get().timezone)).date()
    licences = {lic.name: lic for lic in Licence.objects.filter(asset=asset)}
    return [{"kind": i.kind, "name": i.name, "expires": i.expires, "days_left": i.days_left,
             "expired": i.stage == EXPIRED, "seats": getattr(licences.get(i.name), "seats", None),
             "key_hint": getattr(licences.get(i.name), "key_hint", ""), "last_alert": _stage(i.last_told),
             "acknowledged_by": i.acknowledged_by, "acknowledged_at": i.acknowledged_at}
            for i in expiry_items(today=today, asset=asset)]


def _out(ack: ExpiryAcknowledgement, key: str) -> dict:
    return {"asset": key, "kind": ack.kind, "name": ack.name, "expires": ack.expires, "acknowledged_by": ack.by,
            "acknowledged_at": ack.at}


@expiries.post("/{key}/warranty/acknowledge", response={200: AcknowledgementOut, 409: ErrorOut},
               operation_id="assets_warranty_acknowledge", summary="Stop an asset's warranty alerts",
               description="Staff have seen that the warranty ends: no more alerts for it until `warranty_until` "
               "changes (a renewal starts them over). Twice keeps the first. 409 when the asset has no warranty date.")
def warranty_acknowledge(request: HttpRequest, key: str):
    scope.require(request, asset_get(key).customer_id, "asset", key)
    try:
        return _out(expiry_acknowledge(asset=key, by=request.auth.user.username), key)
    except NothingToAcknowledge as e:
        raise Conflict(str(e)) from None


@expiries.post("/{key}/licences/acknowledge", response={200: AcknowledgementOut},
               operation_id="assets_licence_acknowledge", summary="Stop a licence's alerts",
               description="As for the warranty, for the asset's licence named `licence`, until its `expires` "
               "changes. 422 when the asset has no licence of that name.")
def licence_acknowledge(request: HttpRequest, key: str, payload: LicenceIn):
    scope.require(request, asset_get(key).customer_id, "asset", key)
    return _out(expiry_acknowledge(asset=key, licence=payload.licence, by=request.auth.user.username), key)
