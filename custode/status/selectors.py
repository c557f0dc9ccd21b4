"""What a status page shows, read from the models: components, their 90-day bars, incidents, maintenance.

A page has an *audience*: the public (the provider's infrastructure marked ``public``) or one customer
(their own assets and the provider's assets they depend on, directly or not). Every read below is
limited to the audience's asset ids, so nothing of another customer can reach a customer's page.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext

from custode.assets import health
from custode.assets.kinds import AssetKind
from custode.assets.models import Asset
from custode.directory.models import Customer, Provider
from custode.incidents import contexts, wording
from custode.incidents.graph import ancestors, graph_load
from custode.incidents.models import Incident, Status, Update
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Impact, Monitor, State
from custode.results.models import Rollup

DAYS = 90
PAST_PER_PAGE = 10


@dataclass(frozen=True)
class Audience:
    """Whose page: the public (CUSTOMER None) or one customer; ASSET_IDS are every asset it may see."""

    provider: Provider
    customer: Customer | None
    asset_ids: frozenset[int]


@dataclass(frozen=True)
class Day:
    date: dt.date
    uptime: float | None  # percent, None without checks that day
    incidents: int
    level: str  # ok, minor, major, outage, none


@dataclass
class Component:
    asset: Asset
    state: str
    days: list[Day] = field(default_factory=list)
    uptime: float | None = None  # percent over the bar's days
    checked_from: list[str] = field(default_factory=list)  # the locations of its monitors checked from several

    @property
    def key(self) -> str:
        return self.asset.key


@dataclass(frozen=True)
class Group:
    kind: str
    label: str
    components: list[Component]

    @property
    def state(self) -> str:
        """Its components' states read together (``health.combined_state``)."""
        return health.combined_state(c.state for c in self.components)

    @property
    def operational(self) -> bool:
        """Every component up: nothing down, degraded, in maintenance, in an incident or without data."""
        return self.state == State.UP

    @property
    def heading(self) -> str:
        """What the group's heading says: up, attention, unknown (no component has data) or partly_unknown."""
        state = self.state
        if state != State.UNKNOWN:
            return "up" if state == State.UP else "attention"
        return "partly_unknown" if any(c.state == State.UP for c in self.components) else "unknown"


@dataclass(frozen=True)
class PublicUpdate:
    at: dt.datetime
    status: str
    text: str
    author: str


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    title: str
    components: list[Asset]
    updates: list[PublicUpdate]


@dataclass(frozen=True)
class MaintenanceView:
    window: MaintenanceWindow
    title: str
    components: list[Asset]
    in_progress: bool


@dataclass(frozen=True)
class PlanPromise:
    """A customer's plan and how the page's days measure up to the uptime it promises."""

    key: str
    name: str  # in the page's language; the key when the plan has no name
    support_hours: str
    uptime_target: float | None  # percent, None when the plan promises none
    uptime: float | None  # percent over the page's days of the customer's own assets, None without checks
    met: bool | None  # None without a target or without checks


@dataclass(frozen=True)
class StatusPage:
    audience: Audience
    language: str
    state: str
    groups: list[Group]
    active: list[IncidentView]
    maintenance: list[MaintenanceView]
    past: Page
    plan: PlanPromise | None = None  # only on the page of a customer with a plan

    @property
    def components(self) -> list[Component]:
        return [c for g in self.groups for c in g.components]


def public_audience(slug: str) -> Audience | None:
    """The public page of the provider whose status slug is SLUG, or None when there is none."""
    provider = Provider.objects.filter(pk=1, configured=True).first()
    if provider is None or not provider.status_slug or provider.status_slug != slug:
        return None
    ids = Asset.objects.public().values_list("id", flat=True)
    return Audience(provider, None, frozenset(ids))


def customer_audience(token: str) -> Audience | None:
    """The private page of the customer holding TOKEN, or None when no customer does."""
    customer = Customer.objects.select_related("plan").filter(status_token=token).first() if token else None
    if customer is None:
        return None
    return Audience(Provider.get(), customer, frozenset(customer_asset_ids(customer)))


def customer_asset_ids(customer: Customer) -> set[int]:
    """The customer's assets and the provider's assets they depend on, directly or through others."""
    graph = graph_load()
    own = {a for a, owner in graph.owner.items() if owner == customer.pk}
    needed = set().union(*(ancestors(graph, a) for a in own)) if own else set()
    return own | {a for a in needed if graph.owner.get(a) is None}


def status_page(audience: Audience, *, language: str, page: int = 1, now: dt.datetime | None = None) -> StatusPage:
    """Everything the page of AUDIENCE shows, in LANGUAGE; PAGE is the page of past incidents.

    Raises ``django.core.paginator.InvalidPage`` when PAGE is beyond the last.
    """
    now = now or timezone.now()
    tz = wording.zone(audience.provider.timezone)
    windows = _maintenance(audience, language, now)
    in_maintenance = {a.pk for m in windows if m.in_progress for a in m.components}
    incidents = _incidents(audience)
    days = day_range(now, tz)
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=tz)
    recent = _with_shown_assets(list(incidents.filter(Q(resolved_at=None) | Q(resolved_at__gte=start))), audience)
    in_incident = {a for i in recent if i.is_open for a in i.shown_asset_ids}
    bars = uptime_by_day(audience.asset_ids, days, tz)
    components = _components(audience, in_maintenance, in_incident, recent, days, bars, now)
    active = [_incident_view(i, audience, language) for i in recent if i.is_open]
    past = Paginator(incidents.filter(status=Status.RESOLVED), PAST_PER_PAGE).page(page)
    past.object_list = [_incident_view(i, audience, language)
                        for i in _with_shown_assets(list(past.object_list), audience)]
    return StatusPage(
        audience=audience,
        language=language,
        state=overall_state([c.state for c in components], active),
        groups=_groups(components, audience, language),
        active=active,
        maintenance=windows,
        past=past,
        plan=plan_promise(audience, components, bars, days, language),
    )


def plan_promise(audience: Audience, components: list[Component], bars: dict, days: list[dt.date],
                 language: str) -> PlanPromise | None:
    """The customer's plan, named in LANGUAGE, with the uptime of their own assets (not the provider's) over
    DAYS, from BARS."""
    customer = audience.customer
    plan = customer.plan if customer is not None else None
    if plan is None:
        return None
    cells = [_total(bars, c.asset.pk, days) for c in components if c.asset.customer_id == customer.pk]
    up, total = sum(c[0] for c in cells), sum(c[1] for c in cells)
    target = plan.uptime_target
    met = None if target is None or not total else up * 100 >= target * total
    return PlanPromise(plan.key, plan.shown_name(language), plan.support_hours, target, _percent((up, total)), met)


def overall_state(states: list[str], active: list[IncidentView]) -> str:
    """operational, maintenance, degraded, partial_outage, major_outage, or unknown when no component has
    data. Read from the components' STATES (``health.component_state``), so it never says an outage while
    every component says operational."""
    down = states.count(State.DOWN)
    if down and (down * 2 > len(states) or any(i.incident.severity == "critical" for i in active)):
        return "major_outage"
    if down:
        return "partial_outage"
    if State.DEGRADED in states or active:
        return "degraded"
    if State.MAINTENANCE in states:
        return "maintenance"
    if states and State.UP not in states:  # every component without data
        return "unknown"
    return "operational"


def _components(audience: Audience, in_maintenance: set[int], in_incident: set[int], incidents: list[Incident],
                days: list[dt.date], bars: dict, now: dt.datetime) -> list[Component]:
    assets = Asset.objects.filter(pk__in=audience.asset_ids).select_related("customer").order_by("name", "key")
    monitors: dict[int, list[tuple[str, str]]] = defaultdict(list)
    places: dict[int, list[str]] = defaultdict(list)
    for asset_id, state, impact, locations in Monitor.objects.filter(
        asset__in=audience.asset_ids, paused=False
    ).values_list("asset_id", "state", "impact", "locations"):
        monitors[asset_id].append((state, impact))
        if len(locations) > 1:
            places[asset_id] += [name for name in locations if name not in places[asset_id]]
    tz = wording.zone(audience.provider.timezone)
    touched = _incident_days(incidents, tz, days, now)
    components = []
    for asset in assets:
        state = health.component_state(monitors.get(asset.pk, ()), in_maintenance=asset.pk in in_maintenance,
                                       in_incident=asset.pk in in_incident)
        component = Component(asset, state, checked_from=places.get(asset.pk, []))
        component.days = [_day(d, bars.get((asset.pk, d)), touched.get((asset.pk, d), 0)) for d in days]
        component.uptime = _percent(_total(bars, asset.pk, days))
        components.append(component)
    return components


def day_range(now: dt.datetime, tz) -> list[dt.date]:
    """The DAYS local dates ending today, in the provider's timezone TZ, oldest first."""
    today = now.astimezone(tz).date()
    return [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]


def uptime_by_day(asset_ids, days: list[dt.date], tz) -> dict[tuple[int, dt.date], tuple[int, int]]:
    """{(asset id, local date): (up checks, checks)} from the hourly rollups of the assets' monitors."""
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=tz)
    rows = (
        Rollup.objects.filter(monitor__asset__in=asset_ids, hour__gte=start)
        .annotate(day=TruncDate("hour", tzinfo=tz))
        .values("monitor__asset", "day")
        .annotate(up=Sum("up_count"), total=Sum("count"))
    )
    return {(r["monitor__asset"], r["day"]): (r["up"] or 0, r["total"] or 0) for r in rows}


def _total(bars: dict, asset_id: int, days: list[dt.date]) -> tuple[int, int]:
    cells = [bars[(asset_id, d)] for d in days if (asset_id, d) in bars]
    return sum(c[0] for c in cells), sum(c[1] for c in cells)


def _percent(cell: tuple[int, int] | None) -> float | None:
    if not cell or not cell[1]:
        return None
    return round(100.0 * cell[0] / cell[1], 3)


def _day(date: dt.date, cell: tuple[int, int] | None, incidents: int) -> Day:
    uptime = _percent(cell)
    if uptime is None:
        level = "none"
    elif uptime >= 99.9:
        level = "ok"
    elif uptime >= 99:
        level = "minor"
    elif uptime >= 95:
        level = "major"
    else:
        level = "outage"
    if level in ("ok", "none") and incidents:
        level = "minor"
    return Day(date, uptime, incidents, level)


def _incident_days(incidents: list[Incident], tz, days: list[dt.date],
                   now: dt.datetime) -> dict[tuple[int, dt.date], int]:
    """{(asset id, local date): how many of INCIDENTS touched the asset that day}."""
    first, last = days[0], days[-1]
    counts: dict[tuple[int, dt.date], int] = defaultdict(int)
    for incident in incidents:
        start = incident.opened_at.astimezone(tz).date()
        end = (incident.resolved_at or now).astimezone(tz).date()
        date = max(start, first)
        while date <= min(end, last):
            for asset_id in incident.shown_asset_ids:
                counts[(asset_id, date)] += 1
            date += dt.timedelta(days=1)
    return counts


def _incidents(audience: Audience):
    """The audience's incidents, newest first: those told to customers and not merged into another; outages,
    and on a customer's page the jobs and degradations that customer was told of."""
    ids = audience.asset_ids
    where = Q(root_asset__in=ids) | Q(assets__in=ids)
    told = Q(impact=Impact.OUTAGE)  # a failed job or a degradation is shown to the customers it was told to only
    if audience.customer is not None:
        where |= Q(affected__customer=audience.customer)
        told |= Q(affected__customer=audience.customer)
    matching = Incident.objects.filter(where).filter(told).values("pk")
    return (
        Incident.objects.filter(pk__in=matching, merged_into=None).exclude(confirmed_at=None)
        .select_related("root_asset").order_by("-opened_at", "-id")
    )


def _with_shown_assets(incidents: list[Incident], audience: Audience) -> list[Incident]:
    """Gives each incident ``shown_asset_ids``: the audience's assets among those it touches."""
    ids = audience.asset_ids
    touched: dict[int, set[int]] = defaultdict(set)
    through = Incident.assets.through.objects.filter(incident__in=[i.pk for i in incidents], asset__in=ids)
    for incident_id, asset_id in through.values_list("incident_id", "asset_id"):
        touched[incident_id].add(asset_id)
    for incident in incidents:
        incident.shown_asset_ids = touched[incident.pk] | ({incident.root_asset_id} & ids)
    return incidents


def _incident_view(incident: Incident, audience: Audience, language: str) -> IncidentView:
    updates = Update.objects.filter(incident=incident, public=True).select_related("author").order_by("-at", "-id")
    assets = sorted(
        (a for a in Asset.objects.filter(pk__in=incident.shown_asset_ids)), key=lambda a: (a.name, a.key)
    )
    return IncidentView(
        incident=incident,
        title=incident_title(incident, audience, language),
        components=assets,
        updates=[PublicUpdate(u.at, u.status, contexts.update_text(u, language), _author(u)) for u in updates],
    )


def incident_title(incident: Incident, audience: Audience, language: str) -> str:
    """The title as the reader should see it, never naming an asset outside the audience (another
    customer's, or one since deleted); a customer reads only stock wording, what staff typed stays with staff."""
    return contexts.public_title(incident, audience.asset_ids, language, stock_only=audience.customer is not None)


def _author(update: Update) -> str:
    return update.author_name or (update.author.name if update.author else "")


def _maintenance(audience: Audience, language: str, now: dt.datetime) -> list[MaintenanceView]:
    """Maintenance windows on the audience's assets that have not ended yet, soonest first."""
    windows = []
    upcoming = MaintenanceWindow.objects.filter(assets__in=audience.asset_ids, end__gt=now).distinct()
    for window in upcoming.order_by("start", "key"):
        assets = [a for a in window.assets.order_by("name", "key") if a.pk in audience.asset_ids]
        windows.append(MaintenanceView(window, contexts.window_title(window, language), assets,
                                       window.start <= now))
    return windows


def _groups(components: list[Component], audience: Audience, language: str) -> list[Group]:
    """Components grouped by kind in the reader's language; on a customer's page their own assets come
    first and the provider's assets they rely on form one group at the end."""
    by_kind: dict[str, list[Component]] = defaultdict(list)
    for component in components:
        shared = audience.customer is not None and component.asset.customer_id is None
        by_kind["infrastructure" if shared else component.asset.kind].append(component)
    order = [k.value for k in AssetKind] + ["infrastructure"]
    groups = []
    with translation.override(language):
        for kind in sorted(by_kind, key=order.index):
            label = gettext("Our infrastructure") if kind == "infrastructure" else str(AssetKind(kind).label)
            groups.append(Group(kind, label, by_kind[kind]))
    return groups
