"""/api/v1/customers/<id>/patches: a customer's assets with pending security updates, the overdue ones first, and
their history (``custode.agents.patches``). A token limited to one customer reads its own customer's."""

from __future__ import annotations

import datetime as dt
from typing import List, Optional

from django.http import HttpRequest
from ninja import Query, Schema
from pydantic import Field

from custode.agents.patches import customer_patches
from custode.api import scope
from custode.api.errors import InvalidQuery, Router
from custode.directory.services import customer_get
from custode.lib import durations

patches = Router(tags=["agents"])

MAX_OLDER_THAN = 3650 * 86400  # ten years: any longer reaches before any report


class PatchQuery(Schema):
    older_than: Optional[str] = Field(default=None, description="a duration like 14d: overdue after pending this "
                                      "long; default the provider's `patch_grace` (7d)")


class AssetPatchesOut(Schema):
    asset: str
    name: str
    pending: Optional[int]
    security: Optional[int]
    since: Optional[dt.datetime]
    overdue: bool
    last_upgrade: Optional[dt.datetime]
    measured_at: Optional[dt.datetime]
    revoked: bool


class PatchRecordOut(Schema):
    asset: str
    name: str
    since: dt.datetime
    cleared_at: Optional[dt.datetime]
    pending: int
    security: int
    last_upgrade: Optional[dt.datetime]


class PatchesOut(Schema):
    customer: str
    name: str
    older_than: str
    overdue: List[AssetPatchesOut]
    assets: List[AssetPatchesOut]
    history: List[PatchRecordOut]


def older_than_of(text: str | None) -> dt.timedelta | None:
    """TEXT (``?older_than=``) as a time; ``InvalidQuery`` naming it when it is not a duration up to ten years."""
    if text is None:
        return None
    try:
        seconds = durations.parse(text)
    except ValueError:
        raise InvalidQuery("older_than", "must be a duration like 7d or 36h") from None
    if seconds > MAX_OLDER_THAN:
        raise InvalidQuery("older_than", "must be at most 3650d")
    return dt.timedelta(seconds=seconds)


@patches.get("/{key}/patches", response={200: PatchesOut}, operation_id="customers_patches",
             summary="A customer's pending security updates and their history",
             description="`overdue`: the assets whose security updates have been pending longer than `older_than` "
             "(the provider's `patch_grace`, 7d, unless asked), longest waiting first; `assets`: every asset with an "
             "agent and what its last report counted (`pending`, `security`; null when it could not count them), "
             "with `since`, when security updates were first counted without a break; `history`: each stretch of "
             "pending security updates open or cleared in the last 90 days, with the most its reports counted, "
             "newest first. 422 names a bad `older_than`.")
def customer_patches_get(request: HttpRequest, key: str, query: Query[PatchQuery]):
    customer = customer_get(key)
    scope.require(request, customer.pk, "customer", key)
    older_than = older_than_of(query.older_than)
    out = customer_patches(customer, older_than)
    return {**out, "older_than": durations.format(out["older_than"].total_seconds())}
