"""Writes and reads of monitors."""

from __future__ import annotations

from typing import Any

from custode.assets.services import asset_get
from custode.lib import durations
from custode.lib.changes import Change, NotFound, reference, save_fields
from custode.monitors.models import Monitor
from custode.monitors.specs import COMMON_FIELDS, monitor_spec


def monitor_get(key: str) -> Monitor:
    monitor = Monitor.objects.select_related("asset__customer").filter(key=key).first()
    if monitor is None:
        raise NotFound("monitor", key)
    return monitor


def monitor_save(*, asset: str, spec: Any) -> Change:
    """Create or update a monitor on ASSET from a spec of any check type."""
    owner = reference(asset_get, asset, "asset")
    monitor = Monitor.objects.filter(key=spec.id).first() or Monitor(key=spec.id)
    return save_fields(monitor, {"asset": owner, **monitor_values(spec)}, kind="monitor", key=spec.id)


def monitor_values(spec: Any) -> dict[str, Any]:
    """A monitor's row from its spec, all but the asset: what monitor_save and the config applier write."""
    return dict(
        type=spec.type,
        interval=spec.interval,
        retries=spec.retries,
        timeout=spec.timeout,
        paused=spec.paused,
        impact=spec.impact,
        tell_customer=spec.tell_customer,
        locations=list(spec.locations),
        quorum=spec.quorum,
        spec=spec.model_dump(mode="json", exclude=set(COMMON_FIELDS), exclude_defaults=True),
    )


def monitor_spec_of(monitor: Monitor) -> Any:
    return monitor_spec.validate_python(
        {
            "id": monitor.key,
            "type": monitor.type,
            "interval": durations.format(monitor.interval),
            "retries": monitor.retries,
            "timeout": durations.format(monitor.timeout),
            "paused": monitor.paused,
            "impact": monitor.impact,
            "tell_customer": monitor.tell_customer,
            "locations": monitor.locations,
            "quorum": monitor.quorum,
            **monitor.spec,
        }
    )


def monitor_delete(*, key: str) -> Change:
    deleted, _ = Monitor.objects.filter(key=key).delete()
    if not deleted:
        raise NotFound("monitor", key)
    return Change("monitor", key, "removed")
