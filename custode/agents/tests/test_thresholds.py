"""An agent is DOWN when it is silent for three intervals, or when a measure stays over its threshold for `for`;
the reason shows the numbers. Thresholds left out take the asset kind's defaults."""

from __future__ import annotations

import datetime as dt

from custode.agents import verdict
from custode.agents.reports import Report
from custode.agents.specs import DESK, SERVER, AgentSpec, Thresholds, thresholds_of
from custode.agents.tests.conftest import report

T0 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)
MINUTE = dt.timedelta(minutes=1)
WATCH = Thresholds(load_per_core=1.0, disk_percent=90.0, memory_percent=95.0, hold=300, services=("nginx",))


def at(minutes: int, **fields) -> Report:
    fields.setdefault("services", {"nginx": True})
    return Report.model_validate(report(T0 + minutes * MINUTE, **fields))


def judged(*reports: Report, watch: Thresholds = WATCH) -> list[str]:
    """The problems after REPORTS, one a minute, each judged with what the ones before left over."""
    over, said = {}, []
    for one in reports:
        over = verdict.over(over, one, watch)
        said = verdict.problems(over, one, watch)
    return said


def test_a_load_over_the_threshold_counts_only_once_held_for_its_for():
    busy = [at(m, load=[3.2, 2.0, 1.0]) for m in range(6)]
    assert judged(*busy[:5]) == [], "four minutes over: not yet"
    assert judged(*busy) == ["load 1.60 per core (3.20 on 2 cores) over 1 for 5m"]


def test_a_breach_interrupted_starts_again():
    reports = [at(m, load=[3.2, 2.0, 1.0]) for m in range(4)] + [at(4)] + \
              [at(m, load=[3.2, 2.0, 1.0]) for m in range(5, 9)]
    assert judged(*reports) == []


def test_a_full_disk_and_memory_are_said_with_their_numbers():
    disks = [{"mount": "/srv", "size": 100, "used": 93, "percent": 93.1}]
    memory = {"total": 100, "available": 3, "percent": 97.0}
    said = judged(*[at(m, disks=disks, memory=memory) for m in range(6)])
    assert said == ["memory 97.0% used, over 95% for 5m", "disk /srv 93.1% full, over 90% for 5m"]


def test_a_watched_service_not_running_is_a_problem_at_once():
    assert judged(at(0, services={"nginx": False})) == ["service nginx is not running"]
    assert judged(at(0, services={})) == ["service nginx was not reported: the agent does not watch it yet"]


def test_thresholds_left_out_take_the_kinds_defaults():
    assert thresholds_of("server", None) == SERVER and thresholds_of("laptop", None) == DESK
    mine = thresholds_of("pc", AgentSpec.model_validate({"disk_percent": 80, "for": "10m", "services": ["cups"]}))
    assert (mine.disk_percent, mine.hold, mine.load_per_core, mine.services) == (80, 600, DESK.load_per_core,
                                                                                ("cups",))


def test_a_silent_agent_is_down_after_three_intervals_with_how_long():
    facts = verdict.Facts(enrolled_at=T0, received_at=T0 + MINUTE, interval=60)
    assert verdict.result(facts, T0 + 4 * MINUTE).status == "up"
    down = verdict.result(facts, T0 + 5 * MINUTE)
    assert (down.status, down.reason) == ("down", "the agent has not reported for 4m (it reports every 1m)")
    never = verdict.result(verdict.Facts(enrolled_at=T0, received_at=None, interval=60), T0 + 10 * MINUTE)
    assert never.reason == "the agent has not reported since it was enrolled 10m ago (it reports every 1m)"


def test_problems_left_by_the_last_report_are_down():
    facts = verdict.Facts(enrolled_at=T0, received_at=T0, interval=60, problems=("a", "b"))
    result = verdict.result(facts, T0 + MINUTE)
    assert (result.status, result.reason) == ("down", "a; b")
    assert verdict.result(None, T0) is None
