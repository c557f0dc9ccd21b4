"""Read queries behind an asset's staff page: the asset with its monitors, and what its agent last reported with
a day of its numbers as sparklines. None writes.

The report is shown as the agent sent it (``Agent.report``, checked on the way in by ``agents.reports``), so a
newer agent's extra keys do no harm and an older one's missing keys show as blanks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from custode.agents.models import Agent, AgentSample
from custode.agents.services import HISTORY, INTERVAL, thresholds_for
from custode.agents.specs import Thresholds
from custode.agents.verdict import SILENT_AFTER
from custode.assets.models import Asset
from custode.lib.changes import NotFound
from custode.monitors.models import Monitor
from custode.web.sparkline import Sparkline, sparkline

GAP = dt.timedelta(seconds=SILENT_AFTER * INTERVAL)  # samples further apart are not joined: the agent was silent


def asset_detail(key: str) -> Asset:
    """The asset KEY with its customer, agent, dependencies and monitors (by key); NotFound if none."""
    asset = (Asset.objects.select_related("customer", "agent")
             .prefetch_related(Prefetch("monitors", Monitor.objects.order_by("key").prefetch_related("location_states")),
                               Prefetch("depends_on", Asset.objects.order_by("name", "key")))
             .filter(key=key).first())
    if asset is None:
        raise NotFound("asset", key)
    return asset


def agent_of(asset: Asset) -> Agent | None:
    """ASSET's agent, read by ``asset_detail`` with it (no query), or None when it never enrolled one."""
    try:
        return asset.agent
    except Agent.DoesNotExist:
        return None


@dataclass(frozen=True)
class Chart:
    line: Sparkline
    last: float | None  # the newest sample's value
    peak: float | None  # the day's highest
    limit: float  # the threshold it is judged by


@dataclass(frozen=True)
class AgentReading:
    agent: Agent
    report: dict
    thresholds: Thresholds
    over: list[tuple[str, dt.datetime]]  # each measure over its threshold, and since when
    disks: list[dict]
    services: list[tuple[str, bool]]
    last_upgrade: dt.datetime | None
    load_per_core: float | None
    charts: dict[str, Chart] = field(default_factory=dict)  # ``load``, ``memory``, ``disk``


def agent_reading(agent: Agent, *, now: dt.datetime) -> AgentReading:
    """What AGENT last reported, judged by its asset's thresholds, with sparklines of the day up to NOW."""
    report = agent.report or {}
    load, cores = report.get("load") or [], report.get("cpu_count") or 0
    updates = report.get("updates") or {}
    thresholds = thresholds_for(agent.asset)
    return AgentReading(
        agent=agent, report=report, thresholds=thresholds,
        over=sorted((name, dt.datetime.fromisoformat(since)) for name, since in (agent.over or {}).items()),
        disks=[_disk(disk) for disk in report.get("disks") or []],
        services=sorted((report.get("services") or {}).items()),
        last_upgrade=_when(updates.get("last_upgrade")),
        load_per_core=load[0] / cores if load and cores else None,
        charts=_charts(agent, thresholds, cores, now=now))


def _disk(disk: dict) -> dict:
    inodes, used = disk.get("inodes"), disk.get("inodes_used")
    return {**disk, "inodes_percent": round(100 * used / inodes, 1) if inodes and used is not None else None}


def _when(text: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _charts(agent: Agent, t: Thresholds, cores: int, *, now: dt.datetime) -> dict[str, Chart]:
    """The day's load, memory % and fullest-disk % as sparklines. Percents are drawn on 0-100; load up to the
    higher of the day's peak and the threshold (per core times cores), so the threshold line is always in sight."""
    rows = list(AgentSample.objects.filter(agent=agent, at__gt=now - HISTORY, at__lte=now).order_by("at", "id")
                .values_list("at", "load", "memory_percent", "disk_percent"))
    load_limit = t.load_per_core * max(cores, 1)
    charts = {}
    for column, name, limit in ((1, "load", load_limit), (2, "memory", t.memory_percent), (3, "disk", t.disk_percent)):
        points = [(row[0], row[column]) for row in rows]
        values = [value for _, value in points if value is not None]
        top = max([*values, limit]) * 1.1 if name == "load" else 100.0
        charts[name] = Chart(line=sparkline(points, end=now, gap=GAP, top=top, limit=limit),
                             last=values[-1] if values else None, peak=max(values, default=None), limit=limit)
    return charts
