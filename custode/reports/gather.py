"""Every figure of a customer's monthly report, gathered from what Custode already stores, as plain data.

``month_report`` reads; it writes nothing and formats nothing (the template does, in the reader's language).
Times are in the provider's timezone. A section is None (or empty) when the customer has nothing of its kind,
so the report leaves it out rather than printing an empty page.

Uptime is counted from the hourly rollups of the customer's monitors (not ``job`` ones: backups and agents have
sections of their own). An hour that overlaps a maintenance window of the monitor's asset is left out of the
figure and its window's time shown apart: planned work is not counted against the promise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from custode.agents.patches import customer_patches_at
from custode.assets.expiries import expiry_items
from custode.assets.models import Asset
from custode.backups import evidence as backups_evidence
from custode.directory.models import Customer, Provider
from custode.incidents import contexts, wording
from custode.incidents.models import AffectedCustomer, Update
from custode.maintenance.models import MaintenanceWindow
from custode.monitors.models import Impact, Monitor
from custode.reports.models import Recommendation
from custode.reports.months import Month
from custode.results.models import Rollup
from custode.tickets import hours
from custode.tickets.models import Ticket

HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ProviderBlock:
    name: str
    phone: str
    email: str
    url: str
    timezone: str


@dataclass
class Service:
    monitor: str
    asset: str
    type: str
    up: int  # checks up, outside maintenance
    total: int  # checks, outside maintenance
    maintenance_seconds: float
    target: float | None
    days: list[tuple[dt.date, float | None]] = field(default_factory=list)

    @property
    def percent(self) -> float | None:
        return 100.0 * self.up / self.total if self.total else None

    @property
    def met(self) -> bool | None:
        if self.target is None or self.percent is None:
            return None
        return self.percent >= self.target

    @property
    def margin(self) -> float | None:
        """Percentage points above (positive) or below the promise."""
        return None if self.met is None else self.percent - self.target


@dataclass(frozen=True)
class IncidentUpdate:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class IncidentRow:
    title: str
    severity: str
    started_at: dt.datetime
    resolved_at: dt.datetime | None
    updates: list[IncidentUpdate]

    @property
    def seconds(self) -> float | None:
        return (self.resolved_at - self.started_at).total_seconds() if self.resolved_at else None


@dataclass(frozen=True)
class Breach:
    number: int
    subject: str
    due: dt.datetime
    answered_at: dt.datetime | None


@dataclass(frozen=True)
class Tickets:
    opened: int
    resolved: int
    on_time: int  # first responses by their due time
    breached: list[Breach]  # first responses late, or missing past their due time
    paused_seconds: float


@dataclass(frozen=True)
class Hours:
    included_minutes: int
    used_minutes: int

    @property
    def balance_minutes(self) -> int:
        return self.included_minutes - self.used_minutes


@dataclass(frozen=True)
class SignOff:
    at: dt.datetime
    by: str
    note: str


@dataclass(frozen=True)
class BackupJobRow:
    key: str
    asset: str
    schedule: str
    runs: int
    failed: int
    replicas: int
    restore_ok: int
    restore_failed: int
    signoffs: list[SignOff]


@dataclass(frozen=True)
class Expiry:
    asset: str
    kind: str  # warranty or licence
    name: str
    expires: dt.date


@dataclass(frozen=True)
class Patches:
    asset: str
    pending: int | None
    security: int | None
    since: dt.datetime | None  # waiting since, as of the month's end
    overdue: bool  # as of the month's end
    counted_at: dt.datetime | None  # when the counts were measured: after the month's end when no earlier are kept
    after_month: bool  # counted after the month's end


@dataclass
class MonthReport:
    customer_key: str
    customer: str
    language: str
    month: Month
    provider: ProviderBlock
    plan: str
    target: float | None
    services: list[Service]
    incidents: list[IncidentRow]
    tickets: Tickets | None
    hours: Hours | None
    backups: list[BackupJobRow]
    expiries: list[Expiry]
    patches: list[Patches]
    recommendation: str


def month_report(customer: Customer, month: Month, language: str | None = None) -> MonthReport:
    """CUSTOMER's report of MONTH (over, in the provider's timezone), its texts in LANGUAGE (theirs by default)."""
    provider = Provider.get()
    language = wording.known(language or customer.language or provider.language)
    plan = customer.plan
    target = plan.uptime_target if plan else None
    recommendation = Recommendation.objects.filter(customer=customer, month=month.first).first()
    return MonthReport(
        customer_key=customer.key, customer=customer.name, language=language, month=month,
        provider=ProviderBlock(provider.name, provider.contact_phone or "", provider.contact_email or "",
                               provider.contact_url or "", provider.timezone),
        plan=plan.shown_name(language) if plan else "", target=target,
        services=services(customer, month, target), incidents=incidents(customer, month, language),
        tickets=tickets(customer, month), hours=hours_used(customer, month), backups=backups(customer, month),
        expiries=expiries(customer, month), patches=patches(customer, month),
        recommendation=recommendation.text if recommendation else "")


def services(customer: Customer, month: Month, target: float | None) -> list[Service]:
    """Each of the customer's monitors with checks in MONTH: uptime outside maintenance, by day too."""
    monitors = (Monitor.objects.filter(asset__customer=customer).exclude(impact=Impact.JOB)
                .select_related("asset").order_by("asset__name", "key"))
    windows = _windows(customer, month)
    cells = _cells(monitors, month, windows)
    found = []
    for monitor in monitors:
        days = cells.get(monitor.pk)
        if not days:
            continue
        up, total = sum(c[0] for c in days.values()), sum(c[1] for c in days.values())
        found.append(Service(
            monitor.key, monitor.asset.name, monitor.type, up, total,
            _union_seconds(windows.get(monitor.asset_id, []), month), target,
            [(d, 100.0 * days[d][0] / days[d][1] if days.get(d, (0, 0))[1] else None) for d in month.days]))
    return found


def _windows(customer: Customer, month: Month) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """{asset id: [(start, end)]} of the maintenance windows of the customer's assets that overlap MONTH."""
    found = defaultdict(list)
    through = MaintenanceWindow.assets.through.objects.filter(
        asset__customer=customer, maintenancewindow__start__lt=month.end, maintenancewindow__end__gt=month.start)
    for row in through.values("asset_id", "maintenancewindow__start", "maintenancewindow__end"):
        found[row["asset_id"]].append((row["maintenancewindow__start"], row["maintenancewindow__end"]))
    return found


def _cells(monitors, month: Month, windows) -> dict[int, dict[dt.date, tuple[int, int]]]:
    """{monitor id: {local day: (up, checks)}} from the rollups, hours in maintenance left out."""
    tz = month.start.tzinfo
    asset_of = {m.pk: m.asset_id for m in monitors}
    found: dict[int, dict] = defaultdict(dict)
    rows = Rollup.objects.filter(monitor_id__in=list(asset_of), hour__gte=month.start, hour__lt=month.end)
    for monitor_id, hour, up, count in rows.values_list("monitor_id", "hour", "up_count", "count").order_by("hour"):
        if any(start < hour + HOUR and hour < end for start, end in windows.get(asset_of[monitor_id], ())):
            continue
        day = hour.astimezone(tz).date()
        old = found[monitor_id].get(day, (0, 0))
        found[monitor_id][day] = (old[0] + up, old[1] + count)
    return found


def _union_seconds(spans: list[tuple[dt.datetime, dt.datetime]], month: Month) -> float:
    """How long the SPANS cover within MONTH, overlaps counted once."""
    total, reached = 0.0, month.start
    for start, end in sorted(spans):
        start, end = max(start, reached), min(end, month.end)
        if end > start:
            total += (end - start).total_seconds()
            reached = end
    return total


def incidents(customer: Customer, month: Month, language: str) -> list[IncidentRow]:
    """The incidents that touched the customer in MONTH, with their public updates, in order."""
    visible = set(Asset.objects.filter(customer=customer).values_list("pk", flat=True))
    touched = (AffectedCustomer.objects.filter(customer=customer, started_at__lt=month.end)
               .filter(Q(resolved_at=None) | Q(resolved_at__gte=month.start))
               .select_related("incident__root_asset").order_by("started_at", "incident_id"))
    touched = list(touched)
    updates = defaultdict(list)
    for update in Update.objects.filter(incident__in=[t.incident_id for t in touched], public=True):
        updates[update.incident_id].append(IncidentUpdate(update.at, contexts.update_text(update, language)))
    return [IncidentRow(contexts.public_title(t.incident, visible, language, stock_only=True), t.incident.severity,
                        t.started_at, t.resolved_at, updates[t.incident_id]) for t in touched]


def tickets(customer: Customer, month: Month) -> Tickets | None:
    """The tickets opened in MONTH: how many, how many resolved, first responses on time or not, paused time."""
    opened = list(Ticket.objects.filter(customer=customer, opened_at__gte=month.start, opened_at__lt=month.end)
                  .order_by("number"))
    if not opened:
        return None
    on_time = [t for t in opened if t.first_response_due and t.first_response_at
               and t.first_response_at <= t.first_response_due]
    late = [Breach(t.number, t.subject, t.first_response_due, t.first_response_at) for t in opened
            if t.first_response_due and (t.first_response_at or month.end) > t.first_response_due
            and t.first_response_due < month.end]
    resolved = sum(1 for t in opened if t.resolved_at and t.resolved_at < month.end)
    return Tickets(len(opened), resolved, len(on_time), late, sum(t.paused_seconds for t in opened))


def hours_used(customer: Customer, month: Month) -> Hours | None:
    """The hours bank of MONTH: shown when the plan includes hours or time was logged."""
    bank = hours.bank(customer, month.first, month.start.tzinfo)
    if not bank.included_minutes and not bank.used_minutes:
        return None
    return Hours(bank.included_minutes, bank.used_minutes)


def backups(customer: Customer, month: Month) -> list[BackupJobRow]:
    last = month.end.date() - dt.timedelta(days=1)
    jobs = backups_evidence.evidence(customer, month.first, last)["jobs"]
    return [BackupJobRow(
        job["id"], job["asset_name"], job["schedule"], len(job["runs"]),
        sum(1 for r in job["runs"] if r["verdict"] != "ok"), len(job["replicas"]),
        sum(1 for t in job["restore_tests"] if t["result"] == "ok"),
        sum(1 for t in job["restore_tests"] if t["result"] != "ok"),
        [SignOff(s["at"], s["by"], s["note"]) for s in reversed(job["signoffs"])]) for job in jobs]


def expiries(customer: Customer, month: Month) -> list[Expiry]:
    """Warranties and licences ending from the month's first day to 90 days (``expiries.HORIZON``) after its end,
    soonest first, as the assets' expiry alerts read them on the day after the month."""
    mine = set(Asset.objects.filter(customer=customer).values_list("pk", flat=True))
    items = expiry_items(today=month.end.date())
    return [Expiry(i.asset_name, i.kind, i.name, i.expires) for i in items
            if i.asset_id in mine and i.expires >= month.first]


def patches(customer: Customer, month: Month) -> list[Patches]:
    """Each asset with an agent by the month's end: its updates as of then (``customer_patches_at``: whether
    security updates waited, since when and whether overdue, exactly; the counts of the last report by then, or,
    when a later one replaced it, of that one with its date)."""
    rows = customer_patches_at(customer, month.end)
    return [Patches(r.name, r.pending, r.security, r.since, r.overdue, r.counted_at,
                    r.counted_at is not None and r.counted_at > month.end) for r in rows]
