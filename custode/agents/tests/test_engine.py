"""The engine judges an enrolled agent through its own monitor (type ``agent``, impact ``job``): a threshold
held for its ``for`` opens one incident for staff with the numbers, and a silent agent is DOWN. The clock is the
test's."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.agents.models import MONITOR_TYPE, Agent
from custode.agents.reports import Report
from custode.agents.services import agent_store, agent_watch_save
from custode.agents.specs import AgentSpec
from custode.agents.tests.conftest import enrolled, report
from custode.backups.tests.test_alerts import judge
from custode.incidents.models import Incident
from custode.monitors.models import Impact, Monitor

pytestmark = pytest.mark.django_db(transaction=True)

MINUTE = dt.timedelta(minutes=1)


def send(minute: int, start: dt.datetime, **fields) -> None:
    at = start + minute * MINUTE
    agent_store(agent=Agent.objects.get(), report=Report.model_validate(report(at, **fields)), now=at)


def test_enrolment_gives_the_asset_a_staff_only_agent_monitor(server):
    enrolled("bianchi-srv")
    monitor = Monitor.objects.get(type=MONITOR_TYPE)
    assert (monitor.key, monitor.asset.key, monitor.impact, monitor.tell_customer) == (
        "bianchi-srv-agent", "bianchi-srv", Impact.JOB, False)
    enrolled("bianchi-srv")
    assert Monitor.objects.filter(type=MONITOR_TYPE).count() == 1, "enrolling again keeps the monitor"


def test_a_load_held_over_its_threshold_opens_one_incident_with_the_numbers(server, monkeypatch):
    agent_watch_save(asset="bianchi-srv", spec=AgentSpec.model_validate({"load_per_core": 1, "for": "3m"}))
    enrolled("bianchi-srv")
    start = dt.datetime.now(dt.timezone.utc)
    for minute in range(4):
        send(minute, start, load=[3.0, 2.0, 1.0])
    judge(monkeypatch, start + 3 * MINUTE)
    monitor = Monitor.objects.get(type=MONITOR_TYPE)
    assert monitor.state == "down"
    assert monitor.last_reason == "load 1.50 per core (3.00 on 2 cores) over 1 for 3m"
    judge(monkeypatch, start + 4 * MINUTE)
    assert Incident.objects.count() == 1


def test_a_silent_agent_is_down_after_three_intervals(server, monkeypatch):
    enrolled("bianchi-srv")
    start = dt.datetime.now(dt.timezone.utc)
    send(0, start)
    judge(monkeypatch, start + MINUTE)
    assert Monitor.objects.get(type=MONITOR_TYPE).state == "up"
    judge(monkeypatch, start + 4 * MINUTE)
    monitor = Monitor.objects.get(type=MONITOR_TYPE)
    assert monitor.state == "down" and monitor.last_reason.startswith("the agent has not reported for 4m")
