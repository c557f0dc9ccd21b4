"""Read queries behind the web pages. Each returns a queryset or plain data; none writes."""

from __future__ import annotations

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Substr

from custode.assets.models import Asset
from custode.directory.models import Customer, StaffProfile
from custode.incidents.models import AffectedCustomer, Incident
from custode.incidents.models import Status as IncidentStatus
from custode.lib.changes import Invalid, NotFound
from custode.lib.keyset import Window, beyond, descending, encode, seek, sort_key, window
from custode.monitors.models import Monitor, State
from custode.notify.selectors import unalerted_incidents


def customer_choices() -> list[tuple[str, str]]:
    """(key, name) of every customer by name: the dashboard's filter lists them all on every page."""
    return list(Customer.objects.order_by("name", "key").values_list("key", "name"))


def _monitors(*, customer: str | None) -> QuerySet[Monitor]:
    monitors = Monitor.objects.all()
    return monitors.filter(asset__customer__key=customer) if customer else monitors


OUTPUT_SHOWN = 2000  # characters of a job's last output the dashboard shows (a ping keeps up to 10,000)


# The dashboard's order, as a sort key the database compares: infrastructure (no customer) first, then
# customers by name, their assets by name, each asset's monitors by key; the ids after each name keep two
# customers or assets with the same name from interleaving, which would break the grouping.
MONITOR_ORDER = ("sort_owned", "sort_customer", "sort_customer_id", "asset__name", "asset_id", "key")
MONITOR_KEY_TYPES = (int, str, int, str, int, str)
ASSET_ORDER = ("sort_owned", "sort_customer", "sort_customer_id", "name", "id")  # the same, of an asset


def _owner_order(prefix: str = "") -> dict:
    """The sort columns of the owning customer, none NULL: keyset comparisons need values."""
    return {"sort_owned": Case(When(**{f"{prefix}customer__isnull": True}, then=Value(0)), default=Value(1)),
            "sort_customer": Coalesce(f"{prefix}customer__name", Value("")),
            "sort_customer_id": Coalesce(f"{prefix}customer_id", Value(0))}


def monitor_rows(*, customer: str | None = None, state: str | None = None) -> QuerySet[Monitor]:
    """Monitors with their asset and customer, and the columns of MONITOR_ORDER.

    ``last_output`` is the head of a push monitor's last ping body (one character more than
    OUTPUT_SHOWN, so the page can tell it was cut), not the whole of it for every row.
    """
    rows = (_monitors(customer=customer).select_related("asset__customer").defer("last_ping_body")
            .annotate(last_output=Substr("last_ping_body", 1, OUTPUT_SHOWN + 1), **_owner_order("asset__")))
    return rows.filter(state=state) if state else rows


# Below this many matching monitors, one query sorting them all is cheaper than walking asset by asset.
SORT_AT_MOST = 2000


def monitor_page(*, customer: str | None = None, state: str | None = None, matching: int, size: int,
                 **position) -> Window:
    """SIZE of the MATCHING monitors in the dashboard's order: the first ones, or as POSITION says (``after`` or
    ``before`` a sort key from ``monitor_cursor``, or ``last``), found by key and never by skipping rows."""
    seeker = seek if matching <= SORT_AT_MOST else _asset_walk(customer)
    return window(monitor_rows(customer=customer, state=state), MONITOR_ORDER, size, seeker=seeker, **position)


def monitor_cursor(monitor: Monitor) -> str:
    return encode(sort_key(monitor, MONITOR_ORDER))


def _asset_walk(customer: str | None):
    """A seeker for many monitors that reads about as many rows as it returns, not all of them.

    No index orders monitors by their customer's and asset's names, so the database would read and sort every
    matching monitor to find a page. The walk goes asset by asset instead: the assets in order (far fewer than
    monitors), and each asset's monitors in key order from the (asset, key) index. The first asset (the one
    the page starts in, which may hold thousands) is read alone in its index's order; the next ones in groups
    that grow fourfold, so a page of small assets takes a few queries.
    """
    assets = Asset.objects.annotate(**_owner_order())
    if customer:
        assets = assets.filter(customer__key=customer)

    def walk(rows, order, limit, *, key=None, backwards=False) -> list:
        def ordered(some):
            return some.order_by(*descending(ASSET_ORDER) if backwards else ASSET_ORDER).values_list(*ASSET_ORDER)

        def following(asset_key, inclusive=False):
            return ordered(assets.filter(beyond(ASSET_ORDER, asset_key, after=not backwards, inclusive=inclusive)))

        first = (following(key[:5], inclusive=True) if key else ordered(assets)).first()
        if first is None:
            return []
        mine = rows.filter(asset_id=first[-1])
        if key is not None and key[4] == first[-1]:
            mine = mine.filter(**{"key__lt" if backwards else "key__gt": key[5]})
        ids = list(mine.order_by("-key" if backwards else "key").values_list("pk", flat=True)[:limit])
        last, group = first, 16
        while len(ids) < limit:
            members = list(following(last)[:group])
            if not members:
                break
            ids += seek(rows.filter(asset_id__in=[m[-1] for m in members]), order, limit - len(ids), backwards=backwards)
            last, group = members[-1], group * 4
        return ids

    return walk


def state_counts(*, customer: str | None = None) -> dict:
    """The number of monitors in each state and in all, from one query grouped by the indexed state."""
    found = dict(_monitors(customer=customer).order_by().values_list("state").annotate(n=Count("pk")))
    return {"total": sum(found.values()), "of": found,
            "states": [(state.value, state.label, found.get(state.value, 0)) for state in State]}


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
    monitors = Prefetch("monitors", Monitor.objects.order_by("key").prefetch_related("location_states"))
    assets = Prefetch("assets", Asset.objects.prefetch_related(monitors).order_by("name", "pk"), to_attr="assets_shown")
    customer = Customer.objects.select_related("plan").prefetch_related("contacts", assets).filter(key=key).first()
    if customer is None:
        raise NotFound("customer", key)
    return customer
