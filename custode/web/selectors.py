"""Read queries behind the web pages. Each returns a queryset or plain data; none writes."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from custode.directory.models import Customer
from custode.monitors.models import Monitor, State


def customer_list() -> list[Customer]:
    return list(Customer.objects.only("key", "name").order_by("name", "key"))


def _monitors(*, customer: str | None) -> QuerySet[Monitor]:
    monitors = Monitor.objects.all()
    return monitors.filter(asset__customer__key=customer) if customer else monitors


def monitor_rows(*, customer: str | None = None, state: str | None = None) -> QuerySet[Monitor]:
    """Monitors with their asset and customer, in the order the dashboard groups them.

    Infrastructure (no customer) comes first; the ids after each name keep two customers
    or assets with the same name from interleaving, which would break the grouping.
    """
    rows = _monitors(customer=customer).select_related("asset__customer")
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
