"""A real ``custode-agent`` process enrolls against a running server, reports, and is seen through the API; with
the server away its reports wait on disk and arrive later, in order, and a disk threshold below the machine's
real usage becomes one incident through the engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from custode.accounts.services import token_create
from custode.agents.models import Agent, AgentSample
from custode.agents.services import agent_token_create, agent_watch_save
from custode.agents.specs import AgentSpec
from custode.backups.tests.test_alerts import judge
from custode.incidents.models import Incident
from custode.monitors.models import Monitor
from custode.testing import factories

AGENT = Path(__file__).resolve().parents[3] / "agent"
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens on loopback

pytestmark = pytest.mark.django_db(transaction=True)


def agent(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "custode_agent", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(AGENT)}, timeout=60)


@pytest.fixture
def srv(db):
    factories.provider()
    return factories.asset("bianchi-srv", customer=factories.customer("bianchi"), kind="server", name="Server")


def test_a_real_agent_enrolls_reports_and_its_report_is_read_through_the_api(live_server, srv, tmp_path):
    conf = str(tmp_path / "agent.toml")
    _, token = agent_token_create(asset="bianchi-srv")
    enrolled = agent("enroll", "--server", live_server.url, "--token", token, "--config", conf)
    assert enrolled.returncode == 0, enrolled.stderr
    assert os.stat(conf).st_mode & 0o777 == 0o600
    again = agent("enroll", "--server", live_server.url, "--token", token, "--config", str(tmp_path / "b.toml"))
    assert again.returncode == 1 and "this enrolment token was used at" in again.stderr
    ran = agent("run", "--once", "--config", conf)
    assert ran.returncode == 0, ran.stderr
    factories.staff("tech")
    _, secret = token_create(username="tech")
    body = Client().get("/api/v1/assets/bianchi-srv/agent", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert body["received_at"] and len(body["load"]) == 3 and body["memory"]["total"] > 0
    assert any(disk["mount"] == "/" for disk in body["disks"])
    assert body["inventory"]["kernel"] == os.uname().release
    if Path("/usr/bin/apt-get").exists():
        assert body["updates"]["manager"] == "apt" and body["updates"]["pending"] >= body["updates"]["security"]


def test_reports_made_while_the_server_is_away_wait_on_disk_and_arrive_in_order(live_server, srv, tmp_path,
                                                                                monkeypatch):
    agent_watch_save(asset="bianchi-srv", spec=AgentSpec.model_validate({"disk_percent": 0.01, "for": "1s"}))
    conf = str(tmp_path / "agent.toml")
    _, token = agent_token_create(asset="bianchi-srv")
    assert agent("enroll", "--server", live_server.url, "--token", token, "--config", conf).returncode == 0
    (tmp_path / "spool").mkdir(exist_ok=True)
    (tmp_path / "spool" / "updates.cache").write_text('{"pending": 3, "security": 1, "manager": "apt"}')
    values = Path(conf).read_text()
    Path(conf).write_text(values.replace(live_server.url, DEAD))
    for _ in range(2):
        away = agent("run", "--once", "--config", conf)
        assert away.returncode == 75 and "report(s) wait in" in away.stderr
    waiting = sorted((tmp_path / "spool").glob("*.json"))
    assert len(waiting) == 2 and not AgentSample.objects.exists()
    measured = [json.loads(p.read_text())["at"] for p in waiting]
    Path(conf).write_text(values)
    time.sleep(1)  # the disk over its threshold for its "for", 1s, by the last report
    assert agent("run", "--once", "--config", conf).returncode == 0
    assert not list((tmp_path / "spool").glob("*.json"))
    samples = [s.isoformat() for s in AgentSample.objects.order_by("id").values_list("at", flat=True)]
    assert samples[:2] == [m.replace("Z", "+00:00") for m in measured] and len(samples) == 3
    agent_row = Agent.objects.get()
    assert agent_row.measured_at.isoformat() == samples[2], "the newest report is the latest"
    assert agent_row.report["updates"]["pending"] == 3
    judge(monkeypatch, agent_row.received_at)
    monitor = Monitor.objects.get(type="agent")
    assert monitor.state == "down" and "disk / " in monitor.last_reason and "over 0.01%" in monitor.last_reason
    assert Incident.objects.count() == 1
