"""Reads of incidents, for the processor, the staff UI and the API."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from custode.assets.models import Asset
from custode.incidents.models import AffectedCustomer, Incident, Status, Update
from custode.lib.changes import NotFound
from custode.monitors.models import Impact, Monitor


def open_incidents() -> QuerySet[Incident]:
    """Open incidents, newest first, with their owner, root asset and how many customers they touch."""
    return (
        Incident.objects.exclude(status=Status.RESOLVED)
        .select_related("owner", "root_asset")
        .annotate(customer_count=Count("affected", distinct=True))
        .order_by("-opened_at", "-id")
    )


def open_incidents_of(asset_ids: Iterable[int]) -> list[Incident]:
    """Open outages whose root or affected assets include one of ASSET_IDS, oldest first.

    Incidents of a failed job or a degradation are not among them: an outage never joins or takes them."""
    ids = list(asset_ids)
    touching = Incident.assets.through.objects.filter(asset_id__in=ids).values("incident_id")
    return list(
        Incident.objects.exclude(status=Status.RESOLVED).filter(impact=Impact.OUTAGE)
        .filter(Q(root_asset__in=ids) | Q(pk__in=touching)).order_by("opened_at", "id")
    )


@dataclass(frozen=True)
class IncidentDetail:
    incident: Incident
    affected: list[AffectedCustomer]
    assets: list[Asset]
    monitors: list[Monitor]
    updates: list[Update]


def incident_detail(incident_id: int, *, public_only: bool = False) -> IncidentDetail:
    """One incident with its customers, assets, monitors and timeline (only public entries when PUBLIC_ONLY)."""
    incident = Incident.objects.select_related("owner", "root_asset", "merged_into").filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("incident", str(incident_id))
    updates = incident.updates.select_related("author")
    if public_only:
        updates = updates.filter(public=True)
    return IncidentDetail(
        incident=incident,
        affected=list(incident.affected.select_related("customer").order_by("customer__name", "customer_id")),
        assets=list(incident.assets.select_related("customer").order_by("name", "key")),
        monitors=list(incident.monitors.select_related("asset").order_by("key")),
        updates=list(updates),
    )
