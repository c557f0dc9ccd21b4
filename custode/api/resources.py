"""What the API exposes, one descriptor per resource; ``crud.py`` turns each into routes.

A descriptor only says how to find, show and write its objects, always through the
apps' services, so the API shares every rule with the config applier and the UI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, List, Optional, Union

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from custode.assets.models import Asset
from custode.agents.models import MONITOR_TYPE as AGENT  # an agent's own monitor: /api/v1/assets/<id>/agent
from custode.backups.models import MONITOR_TYPE as BACKUP  # a backup job's own monitor: /api/v1/backups
from custode.assets.services import asset_delete, asset_save, asset_spec
from custode.assets.specs import AssetFields
from custode.directory.models import Contact, Customer, Plan
from custode.directory.services import (
    contact_delete,
    contact_save,
    contact_spec,
    customer_delete,
    customer_save,
    customer_spec,
    plan_delete,
    plan_save,
    plan_spec,
)
from custode.directory.specs import ContactSpec, CustomerFields, PlanSpec
from custode.lib.changes import Change
from custode.lib.links import ping_url, status_url
from custode.lib.notify_targets import redacted
from custode.lib.types import Key
from custode.maintenance.models import MaintenanceWindow
from custode.maintenance.services import maintenance_delete, maintenance_save, maintenance_spec
from custode.maintenance.specs import MaintenanceSpec
from custode.monitors.models import Monitor
from custode.monitors.services import monitor_delete, monitor_save, monitor_spec_of
from custode.monitors.specs import MONITOR_CLASSES, monitor_spec
from custode.results.locations import monitor_locations


@dataclass(frozen=True)
class Resource:
    name: str
    kind: str
    body: Any
    queryset: Callable[[], QuerySet]
    body_of: Callable[[Any], Any]
    save: Callable[[Any, Any], Change]
    delete: Callable[[Any], Change]
    extra: Callable[[Any, HttpRequest], dict] = lambda obj, request: {}  # what the API shows beyond the body
    detail: Callable[[Any], dict] = lambda obj: {}  # what one object's read shows beyond ``out``
    read_out: Any = dict  # the read's documented answer
    filters: dict[str, str] = field(default_factory=dict)
    lookup: str = "key"
    exists: Callable[[Any], bool] | None = None
    redact: Callable[[dict], dict] | None = None  # what a read-only token sees of the body's secrets
    owner: str | None = None  # the lookup to the owning customer; None: not a customer's (plans, maintenance)

    def key_of(self, body: Any) -> Any:
        return getattr(body, "id", None)

    def body_dict(self, obj: Model) -> dict:
        return self.body_of(obj).model_dump(mode="json")

    def out(self, obj: Model, request: HttpRequest) -> dict:
        body = self.body_dict(obj)
        if self.redact is not None and not can_write(request):
            body = self.redact(body)
        return {**body, **self.extra(obj, request)}


def can_write(request: HttpRequest) -> bool:
    """Whether REQUEST's token may change things, and so see the secrets it could set."""
    return bool(getattr(getattr(request, "auth", None), "can_write", False))


def _contact_redacted(body: dict) -> dict:
    return {**body, "notify": [redacted(target) for target in body.get("notify") or ()]}


class ContactIn(ContactSpec):
    customer: Key


class AssetIn(AssetFields):
    customer: Key | None = Field(default=None, description="the owning customer; empty for the provider's infrastructure")


MONITOR_INPUTS = tuple(
    create_model(f"{cls.__name__.removesuffix('Spec')}MonitorIn", __base__=cls, asset=(Key, ...)) for cls in MONITOR_CLASSES
)
MonitorIn = Annotated[Union[MONITOR_INPUTS], Field(discriminator="type")]  # type: ignore[valid-type]

_monitor_in: TypeAdapter[Any] = TypeAdapter(MonitorIn)


def _monitor_state(monitor: Monitor, request: HttpRequest) -> dict:
    state = {
        "customer": monitor.asset.customer.key if monitor.asset.customer else None,
        "state": monitor.state,
        "state_since": monitor.state_since,
        "last_check_at": monitor.last_check_at,
        "last_latency_ms": monitor.last_latency_ms,
        "last_reason": monitor.last_reason,
    }
    if monitor.type == "push":
        state["last_ping_body"] = monitor.last_ping_body  # the job's last output: read-only
        state["ping_url"] = ping_url(monitor, request)
    return state


def _by_location(monitor: Monitor) -> dict:
    rows = monitor_locations(monitor)
    return {} if rows is None else {"by_location": [row.api() for row in rows]}


class LocationOut(BaseModel):
    location: str = Field(description="as the monitor's `locations` name it")
    state: str = Field(description="what that location's engine found: up, down, degraded, unknown (not yet "
                                   "checked from there), error, paused or maintenance")
    reason: str = Field(description="why, when it is not up")
    since: Optional[dt.datetime] = Field(description="when that location's state began")
    last_check_at: Optional[dt.datetime] = Field(description=(
        "its last check; one older than three intervals and the timeout is not counted in the monitor's state"))


class MonitorDetailOut(BaseModel):
    """A monitor: the fields of its type as the config file writes them, and its state."""

    model_config = ConfigDict(extra="allow")
    id: str
    type: str
    asset: str
    customer: Optional[str]
    state: str = Field(description="of a monitor checked from several locations, the verdict of its quorum")
    state_since: Optional[dt.datetime]
    last_check_at: Optional[dt.datetime]
    last_latency_ms: Optional[float]
    last_reason: str = Field(description=(
        "of a monitor checked from several locations and down, the locations that see it failing: "
        "'down from frankfurt, madrid: connection refused'"))
    by_location: List[LocationOut] = Field(default=None, description=(
        "only for a monitor checked from more than one location: each of them, in the order of `locations`"))


CUSTOMERS = Resource(
    name="customers",
    kind="customer",
    body=CustomerFields,
    queryset=lambda: Customer.objects.select_related("plan").order_by("name", "key"),
    body_of=customer_spec,
    save=lambda body, obj: customer_save(spec=body),
    delete=lambda obj: customer_delete(key=obj.key),
    extra=lambda obj, request: {"status_url": status_url(obj, request)},
    filters={"plan": "plan__key", "language": "language", "q": "name__icontains"},
    owner="pk",
)

RESOURCES = [
    Resource(
        name="plans",
        kind="plan",
        body=PlanSpec,
        queryset=lambda: Plan.objects.order_by("key"),
        body_of=plan_spec,
        save=lambda body, obj: plan_save(spec=body),
        delete=lambda obj: plan_delete(key=obj.key),
    ),
    CUSTOMERS,
    Resource(
        name="contacts",
        kind="contact",
        body=ContactIn,
        queryset=lambda: Contact.objects.select_related("customer").order_by("customer__key", "id"),
        body_of=lambda obj: ContactIn(**contact_spec(obj).model_dump(), customer=obj.customer.key),
        save=lambda body, obj: contact_save(
            customer=body.customer, spec=ContactSpec(**body.model_dump(exclude={"customer"})), contact=obj
        ),
        delete=lambda obj: contact_delete(contact=obj),
        extra=lambda obj, request: {"id": obj.pk},
        filters={"customer": "customer__key"},
        owner="customer_id",
        lookup="pk",
        exists=lambda body: Contact.objects.filter(customer__key=body.customer, name=body.name).exists(),
        redact=_contact_redacted,
    ),
    Resource(
        name="assets",
        kind="asset",
        body=AssetIn,
        queryset=lambda: Asset.objects.select_related("customer").prefetch_related("depends_on").order_by("key"),
        body_of=lambda obj: AssetIn(
            **asset_spec(obj, sorted(a.key for a in obj.depends_on.all())).model_dump(mode="json"),
            customer=obj.customer.key if obj.customer else None,
        ),
        save=lambda body, obj: asset_save(
            spec=AssetFields.model_validate(body.model_dump(mode="json", exclude={"customer"})), customer=body.customer
        ),
        delete=lambda obj: asset_delete(key=obj.key),
        filters={"customer": "customer__key", "kind": "kind", "infrastructure": "customer__isnull"},
        owner="customer_id",
    ),
    Resource(
        name="monitors",
        kind="monitor",
        body=MonitorIn,
        queryset=lambda: Monitor.objects.exclude(type__in=(BACKUP, AGENT)).select_related("asset__customer")
        .order_by("key"),
        body_of=lambda obj: _monitor_in.validate_python(
            {**monitor_spec_of(obj).model_dump(mode="json"), "asset": obj.asset.key}
        ),
        save=lambda body, obj: monitor_save(
            asset=body.asset, spec=monitor_spec.validate_python(body.model_dump(mode="json", exclude={"asset"}))
        ),
        delete=lambda obj: monitor_delete(key=obj.key),
        extra=_monitor_state,
        detail=_by_location,
        read_out=MonitorDetailOut,
        filters={"asset": "asset__key", "customer": "asset__customer__key", "state": "state", "type": "type"},
        owner="asset__customer_id",
    ),
    Resource(
        name="maintenance",
        kind="maintenance",
        body=MaintenanceSpec,
        queryset=lambda: MaintenanceWindow.objects.prefetch_related("assets").order_by("start", "key"),
        body_of=lambda obj: maintenance_spec(obj, sorted(a.key for a in obj.assets.all())),
        save=lambda body, obj: maintenance_save(spec=body),
        delete=lambda obj: maintenance_delete(key=obj.key),
        filters={"asset": "assets__key"},
    ),
]
