"""Writes and reads of maintenance windows."""

from __future__ import annotations

import datetime as dt

from custode.assets.models import Asset
from custode.lib import durations
from custode.lib.changes import Change, Invalid, NotFound, save_fields
from custode.maintenance.models import MaintenanceWindow
from custode.maintenance.specs import MaintenanceSpec


def maintenance_get(key: str) -> MaintenanceWindow:
    window = MaintenanceWindow.objects.filter(key=key).first()
    if window is None:
        raise NotFound("maintenance", key)
    return window


def maintenance_save(*, spec: MaintenanceSpec) -> Change:
    assets = {a.key: a for a in Asset.objects.filter(key__in=spec.assets)}
    for i, key in enumerate(spec.assets):
        if key not in assets:
            raise Invalid(f"assets[{i}]", f"unknown asset {key!r}")
    window = MaintenanceWindow.objects.filter(key=spec.id).first() or MaintenanceWindow(key=spec.id)
    values = dict(title=spec.title, start=spec.start, duration=spec.duration, announce=spec.announce)
    change = save_fields(window, values, kind="maintenance", key=spec.id)
    if set(window.assets.values_list("key", flat=True)) != set(spec.assets):
        window.assets.set(assets.values())
        change = change.merge(Change("maintenance", spec.id, "updated", ("assets",)))
    return change


def maintenance_spec(
    window: MaintenanceWindow, assets: list[str] | None = None, tz: dt.tzinfo | None = None
) -> MaintenanceSpec:
    """The window as a spec, its start written in TZ (the provider's) when given."""
    if assets is None:
        assets = sorted(window.assets.values_list("key", flat=True))
    return MaintenanceSpec(
        id=window.key,
        title=window.title,
        assets=assets,
        start=window.start.astimezone(tz).isoformat() if tz else window.start.isoformat(),
        duration=durations.format(window.duration),
        announce=window.announce,
    )


def maintenance_delete(*, key: str) -> Change:
    deleted, _ = MaintenanceWindow.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("maintenance", key)
    return Change("maintenance", key, "removed")
