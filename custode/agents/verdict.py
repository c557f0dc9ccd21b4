"""How an asset's agent is judged: silent, or over a threshold for long enough (DESIGN.md, "Agent").

Thresholds are judged as each report is stored, because they need the report's numbers: ``over`` keeps, per
measure, when it first went over (``load``, ``memory``, ``disk:/srv``), and ``problems`` names those over for
at least ``for``, with their numbers. A measure back under is forgotten, so a breach must hold unbroken. The
engine judges the rest each minute from ``Facts``, without reading a report: silence (no report for
``SILENT_AFTER`` intervals) is DOWN, and so is any problem the last report left.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from custode.agents.reports import Report
from custode.agents.specs import Thresholds
from custode.checks.result import Result
from custode.lib import durations

SILENT_AFTER = 3  # intervals without a report before the agent is DOWN


def _measures(report: Report, t: Thresholds) -> dict[str, tuple[float, float, str]]:
    """Each measure's (value, threshold, how to say it) in REPORT."""
    per_core = report.load[0] / report.cpu_count
    found = {"load": (per_core, t.load_per_core, f"load {per_core:.2f} per core ({report.load[0]:.2f} on "
                                                 f"{report.cpu_count} cores) over {t.load_per_core:g}"),
             "memory": (report.memory.percent, t.memory_percent,
                        f"memory {report.memory.percent:.1f}% used, over {t.memory_percent:g}%")}
    for disk in report.disks:
        found[f"disk:{disk.mount}"] = (disk.percent, t.disk_percent,
                                       f"disk {disk.mount} {disk.percent:.1f}% full, over {t.disk_percent:g}%")
    return found


def over(previous: dict[str, str], report: Report, t: Thresholds) -> dict[str, str]:
    """The measures over their threshold in REPORT, each with when it went over (kept from PREVIOUS)."""
    at = report.at.isoformat()
    return {name: previous.get(name, at) for name, (value, limit, _) in _measures(report, t).items() if value > limit}


def problems(since: dict[str, str], report: Report, t: Thresholds) -> list[str]:
    """What is wrong by REPORT: each measure over for at least ``t.hold``, and each watched service not running."""
    said = []
    measures = _measures(report, t)
    for name, first in since.items():
        held = (report.at - dt.datetime.fromisoformat(first)).total_seconds()
        if held >= t.hold:
            said.append(f"{measures[name][2]} for {durations.format(int(held))}")
    for service in t.services:
        if not report.services.get(service, False):
            said.append(f"service {service} is not running" if service in report.services
                        else f"service {service} was not reported: the agent does not watch it yet")
    return said


@dataclass(frozen=True, slots=True)
class Facts:
    enrolled_at: dt.datetime
    received_at: dt.datetime | None
    interval: float
    problems: tuple[str, ...] = ()


def result(facts: Facts | None, now: dt.datetime) -> Result | None:
    """The engine's judgement of an agent's monitor: DOWN when silent or with problems, else UP."""
    if facts is None:
        return None
    last = facts.received_at or facts.enrolled_at
    silent = (now - last).total_seconds()
    if silent > SILENT_AFTER * facts.interval:
        how_long = durations.format(int(silent))
        said = f"since it was enrolled {how_long} ago" if facts.received_at is None else f"for {how_long}"
        return Result.down(f"the agent has not reported {said} (it reports every "
                           f"{durations.format(int(facts.interval))})")
    if facts.problems:
        return Result.down("; ".join(facts.problems))
    return Result.up(None)
