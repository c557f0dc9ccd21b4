"""Pending security updates per asset: how long they have waited, which are overdue, and their history.

Each agent's report counts pending updates, security ones apart. A stretch of time with any security update
pending is a ``PatchRecord``: the first report counting some opens it, the first counting none clears it.
Ingest must stay cheap (10,000 agents report every minute), so ``patch_step`` has one written only when it opens,
clears, or its peak or last upgrade changes; the open record is read with the agent in the report's one query.
A report that cannot count updates (no ``updates``) changes nothing: not knowing is not having none.

Times are the reports' ``at`` (when measured), so reports that waited on the machine while the server was away
still date the stretch right. Overdue is open for longer than the provider's ``patch_grace`` (7d by default).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from custode.agents.models import Agent, PatchRecord, PatchSetup
from custode.agents.reports import Report
from custode.directory.models import Customer
from custode.lib.changes import Change

HISTORY = dt.timedelta(days=90)  # how far back a customer's page and API show stretches


@dataclass(eq=False)
class Stretch:
    """A ``PatchRecord`` as ingest reads and moves it (``ingest``): ``id`` None until stored, ``changed`` when a
    report opened, grew or cleared it and it must be written."""

    id: int | None
    agent: int
    since: dt.datetime
    pending: int
    security: int
    last_upgrade: dt.datetime | None
    cleared_at: dt.datetime | None = None
    changed: bool = False


def patch_step(agent: int, stretch: Stretch | None, report: Report) -> Stretch | None:
    """AGENT's open stretch after REPORT (its newest), STRETCH the one open before (None: none is)."""
    updates = report.updates
    if updates is None or (updates.security == 0 and stretch is None):
        return stretch
    if updates.security == 0:
        stretch.cleared_at, stretch.changed = report.at, True
        stretch.last_upgrade = updates.last_upgrade or stretch.last_upgrade
        return None
    if stretch is None:
        return Stretch(None, agent, report.at, updates.pending, updates.security, updates.last_upgrade, changed=True)
    for name in ("pending", "security"):
        if getattr(updates, name) > getattr(stretch, name):
            setattr(stretch, name, getattr(updates, name))
            stretch.changed = True
    if updates.last_upgrade is not None and updates.last_upgrade != stretch.last_upgrade:
        stretch.last_upgrade, stretch.changed = updates.last_upgrade, True
    return stretch


# -- the provider's grace (the config file's ``provider.patch_grace``) --------------------------------------------


def patch_grace() -> dt.timedelta:
    row = PatchSetup.objects.filter(pk=1).first()  # a read makes no row
    return dt.timedelta(seconds=row.grace if row else PatchSetup().grace)


def patch_grace_save(*, seconds: int) -> Change:
    changed = PatchSetup.get().grace != seconds
    if changed:
        PatchSetup.objects.filter(pk=1).update(grace=seconds)
    return Change("provider", "provider", "updated", ("patch_grace",)) if changed \
        else Change("provider", "provider", "unchanged")


# -- reads: the staff page and the API ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AssetPatches:
    """An asset with an agent: what its last report counted, and since when security updates wait (if they do)."""

    asset: str
    name: str
    customer: str | None
    pending: int | None  # None: the last report could not count them
    security: int | None
    since: dt.datetime | None
    overdue: bool
    last_upgrade: dt.datetime | None
    measured_at: dt.datetime | None
    revoked: bool


def _row(agent: Agent, cutoff: dt.datetime) -> AssetPatches:
    updates = (agent.report or {}).get("updates") or {}
    record = agent.patch
    return AssetPatches(
        asset=agent.asset.key, name=agent.asset.name,
        customer=agent.asset.customer.key if agent.asset.customer else None,
        pending=updates.get("pending"), security=updates.get("security"), since=record.since if record else None,
        overdue=bool(record and record.since < cutoff and agent.revoked_at is None),
        last_upgrade=_time(updates.get("last_upgrade")), measured_at=agent.measured_at,
        revoked=agent.revoked_at is not None)


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _agents(customer: Customer | None):
    agents = Agent.objects.select_related("asset__customer", "patch")
    return agents if customer is None else agents.filter(asset__customer=customer)


@dataclass(frozen=True)
class PatchesAt:
    """An asset's updates as of a past moment (a monthly report's end): see ``customer_patches_at``."""

    asset: str
    name: str
    pending: int | None  # None: the report could not count them
    security: int | None
    counted_at: dt.datetime | None  # when the report these counts come from was measured
    since: dt.datetime | None  # the stretch of pending security updates open at the moment, if one was
    overdue: bool


def customer_patches_at(customer: Customer, at: dt.datetime, older_than: dt.timedelta | None = None
                        ) -> list[PatchesAt]:
    """CUSTOMER's assets with an agent enrolled by AT, as of AT, most security updates first.

    Custode keeps each agent's last report whole, and no older counts of updates (its samples hold load, memory
    and disks, for a day); what it keeps of the past is the stretches of pending security updates. So whether
    security updates were waiting at AT, since when and whether overdue is exact, from the stretch open at AT;
    the counts are the last report's, with when it was measured: at or before AT they are AT's own (the last
    report by then), after AT they are the latest known, and the reader is told their date."""
    grace = older_than if older_than is not None else patch_grace()
    agents = list(_agents(customer).filter(enrolled_at__lte=at))
    open_at: dict[int, PatchRecord] = {}
    for record in (PatchRecord.objects.filter(agent__in=[a.pk for a in agents], since__lte=at)
                   .filter(Q(cleared_at=None) | Q(cleared_at__gt=at)).order_by("-since")):
        open_at[record.agent_id] = record  # the earliest last: one is open at a time
    rows = []
    for agent in agents:
        updates = (agent.report or {}).get("updates") or {}
        record = open_at.get(agent.pk)
        revoked = agent.revoked_at is not None and agent.revoked_at <= at
        rows.append(PatchesAt(
            asset=agent.asset.key, name=agent.asset.name, pending=updates.get("pending"),
            security=updates.get("security"), counted_at=agent.measured_at, since=record.since if record else None,
            overdue=bool(record and record.since < at - grace and not revoked)))
    rows.sort(key=lambda row: (-(row.security or 0), -(row.pending or 0), row.asset))
    return rows


def overdue_patches(customer: Customer | None = None, older_than: dt.timedelta | None = None,
                    now: dt.datetime | None = None) -> list[AssetPatches]:
    """The assets (of CUSTOMER, or every one) whose security updates have been pending for more than OLDER_THAN
    (the provider's ``patch_grace`` when None), longest waiting first. A revoked agent's are not: it says no more."""
    cutoff = (now or timezone.now()) - (older_than if older_than is not None else patch_grace())
    agents = _agents(customer).filter(patch__since__lt=cutoff, revoked_at=None).order_by("patch__since", "asset__key")
    return [_row(agent, cutoff) for agent in agents]


def customer_patches(customer: Customer, older_than: dt.timedelta | None = None,
                     now: dt.datetime | None = None) -> dict:
    """CUSTOMER's page and ``GET /api/v1/customers/<id>/patches``: the overdue assets, every asset with an agent
    (most security updates first), and the stretches open or cleared in the last ``HISTORY``, newest first."""
    now = now or timezone.now()
    grace = older_than if older_than is not None else patch_grace()
    rows = [_row(agent, now - grace) for agent in _agents(customer)]
    rows.sort(key=lambda row: (-(row.security or 0), -(row.pending or 0), row.asset))
    history = (PatchRecord.objects.filter(agent__asset__customer=customer)
               .filter(Q(cleared_at=None) | Q(cleared_at__gte=now - HISTORY)).select_related("agent__asset"))
    return {
        "customer": customer.key, "name": customer.name, "older_than": grace,
        "overdue": sorted((row for row in rows if row.overdue), key=lambda row: (row.since, row.asset)),
        "assets": rows,
        "history": [{"asset": r.agent.asset.key, "name": r.agent.asset.name, "since": r.since,
                     "cleared_at": r.cleared_at, "pending": r.pending, "security": r.security,
                     "last_upgrade": r.last_upgrade} for r in history],
    }
