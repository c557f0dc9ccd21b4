"""Read queries behind the web pages. Each returns a queryset or plain data; none writes."""

from __future__ import annotations

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Substr

from custode.assets.models import Asset
from custode.directory.models import Customer, StaffProfile
from custode.incidents.models import AffectedCustomer, Incident
from custode.incidents.models import Status as IncidentStatus
from custode.lib.changes import Invalid, NotFound
from custode.monitors.models import Monitor, State
from custode.notify.selectors import unalerted_incidents


def customer_list() -> list[Customer]:
    return list(Customer.objects.only("key", "name").order_by("name", "key"))


def _monitors(*, customer: str | None) -> QuerySet[Monitor]:
    monitors = Monitor.objects.all()
    return monitors.filter(asset__customer__key=customer) if customer else monitors


OUTPUT_SHOWN = 2000  # characters of a job's last output the dashboard shows (a ping keeps up to 10,000)


def monitor_rows(*, customer: str | None = None, state: str | None = None) -> QuerySet[Monitor]:
    """Monitors with their asset and customer, in the order the dashboard groups them.

    Infrastructure (no customer) comes first; the ids after each name keep two customers
    or assets with the same name from interleaving, which would break the grouping.
    ``last_output`` is the head of a push monitor's last ping body (one character more than
    OUTPUT_SHOWN, so the page can tell it was cut), not the whole of it for every row.
    """
    rows = (_monitors(customer=customer).select_related("asset__customer").defer("last_ping_body")
            .annotate(last_output=Substr("last_ping_body", 1, OUTPUT_SHOWN + 1)))
    if state:
        rows = rows.filter(state=state)
    return rows.order_by(
        F("asset__customer__name").asc(nulls_first=True), "asset__customer_id", "asset__name", "asset_id", "key"
    )


def state_counts(*, customer: str | None = None) -> dict:
    """The number of monitors in each state and in all, from one aggregate query."""
    totals = _monitors(customer=customer).aggregate(
        total=Count("pk"), **{state.value: Count("pk", filter=Q(state=state.value)) for state in State}
    )
    return {"total": totals["total"], "states": [(state.value, state.label, totals[state.value]) for state in State]}


# Incidents. The API reads through these too, so both show the same lists.

INCIDENT_STATUS_FILTERS = ("open", *IncidentStatus.values)


def incident_rows(*, status: str | None = None, customer: str | None = None) -> QuerySet[Incident]:
    """Incidents with owner, root asset, affected customers (names) and monitor count: open ones first,
    newest first within each, resolved ones by when they were resolved.

    STATUS is ``open`` (any but resolved) or one of the incident states; CUSTOMER a customer key.
    """
    rows = Incident.objects.select_related("owner__user", "root_asset", "merged_into").annotate(
        monitor_count=Count("monitors", distinct=True),
        closed=Case(When(status=IncidentStatus.RESOLVED, then=Value(1)), default=Value(0)),
    ).prefetch_related(Prefetch("affected", AffectedCustomer.objects.select_related("customer").order_by(
        "customer__name", "customer_id")))
    if status == "open":
        rows = rows.exclude(status=IncidentStatus.RESOLVED)
    elif status:
        rows = rows.filter(status=status)
    if customer:
        rows = rows.filter(affected__customer__key=customer)
    return rows.order_by("closed", F("resolved_at").desc(nulls_first=True), "-opened_at", "-id")


def unalerted_open_incidents() -> list[Incident]:
    """Open incidents whose staff alert reached nobody, newest first: the dashboard warns of each."""
    rows = list(Incident.objects.exclude(status=IncidentStatus.RESOLVED).order_by("-opened_at", "-id"))
    unalerted = unalerted_incidents(rows)
    return [incident for incident in rows if incident.pk in unalerted]


def staff_choices() -> list[StaffProfile]:
    """Everyone an incident can be assigned to, by name."""
    return list(StaffProfile.objects.select_related("user").order_by("name", "id"))


def staff_by_username(username: str) -> StaffProfile:
    profile = StaffProfile.objects.select_related("user").filter(user__username=username).first()
    if profile is None:
        raise Invalid("owner", f"unknown staff member {username!r}; "
                               f"known: {', '.join(p.user.username for p in staff_choices())}")
    return profile


# Customers: the list, and one customer's page with everything a technician looks for.

def customer_rows() -> QuerySet[Customer]:
    """Customers by name with their plan, and how many assets and monitors they have, and how many fail."""
    failing = Q(assets__monitors__state__in=[State.DOWN, State.DEGRADED])
    return Customer.objects.select_related("plan").annotate(
        asset_count=Count("assets", distinct=True),
        monitor_count=Count("assets__monitors", distinct=True),
        failing_count=Count("assets__monitors", filter=failing, distinct=True),
    ).order_by("name", "key")


def customer_detail(key: str) -> Customer:
    """The customer KEY with plan, contacts, and assets each with its monitors (``assets_shown``); NotFound if none."""
    monitors = Prefetch("monitors", Monitor.objects.order_by("key"))
    assets = Prefetch("assets", Asset.objects.prefetch_related(monitors).order_by("name", "pk"), to_attr="assets_shown")
    customer = Customer.objects.select_related("plan").prefetch_related("contacts", assets).filter(key=key).first()
    if customer is None:
        raise NotFound("customer", key)
    return customer
