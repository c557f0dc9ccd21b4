"""POST /agent/<asset>/report: a good report becomes the agent's latest and a sample; a bad one is a 4xx naming
what is wrong, and nothing is stored."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from custode.agents.models import Agent, AgentSample
from custode.agents.services import agent_revoke, agent_watch_save
from custode.agents.specs import AgentSpec
from custode.agents.tests.conftest import enrolled, post, report

URL = "/agent/bianchi-srv/report"


@pytest.fixture
def credential(server):
    return enrolled("bianchi-srv")


def nothing_stored() -> bool:
    return not AgentSample.objects.exists() and Agent.objects.filter(report__isnull=False).count() == 0


def test_a_report_is_the_agents_latest_and_a_sample(credential):
    response = post(URL, report(), credential)
    assert response.status_code == 200, response.content
    agent = Agent.objects.get()
    assert agent.report["updates"] == {"pending": 7, "security": 2, "manager": "apt", "last_upgrade": None}
    assert agent.received_at is not None
    sample = AgentSample.objects.get()
    assert (sample.load, sample.cpu_percent, sample.memory_percent, sample.disk_percent) == (0.5, 12.5, 25.0, 40.0)


def test_a_late_buffered_report_is_history_and_does_not_replace_a_newer_one(credential):
    now = timezone.now()
    post(URL, report(now, load=[3.0, 2.0, 1.0]), credential)
    late = report(now - dt.timedelta(hours=2), load=[9.0, 9.0, 9.0], sent_at=now.isoformat())
    assert post(URL, late, credential).status_code == 200, "hours old, sent now: not skewed"
    assert Agent.objects.get().report["load"] == [3.0, 2.0, 1.0]
    assert sorted(AgentSample.objects.values_list("load", flat=True)) == [3.0, 9.0]


def test_samples_older_than_a_day_are_removed(credential):
    now = timezone.now()
    post(URL, report(now - dt.timedelta(hours=25), sent_at=now.isoformat()), credential)
    post(URL, report(now), credential)
    assert AgentSample.objects.count() == 1


def test_a_report_that_is_not_json_is_400(credential):
    response = post(URL, b'{"at": ', credential)
    assert response.status_code == 400 and response.content.decode().startswith("the body is not JSON")
    assert nothing_stored()


def test_a_report_missing_or_with_wrong_fields_names_them(credential):
    body = report(cpu_count=0)
    del body["memory"]
    response = post(URL, body, credential)
    text = response.content.decode()
    assert response.status_code == 400 and "cpu_count: " in text and "memory: is required" in text
    assert nothing_stored()


def test_an_oversized_report_is_413(credential):
    response = post(URL, report(inventory={"padding": "x" * 300_000}), credential)
    assert response.status_code == 413 and "a report is at most 262144 bytes" in response.content.decode()
    assert nothing_stored()


@pytest.mark.parametrize("minutes, side", [(7, "ahead of"), (-7, "behind")])
def test_a_report_from_a_skewed_clock_is_400_saying_by_how_much(credential, minutes, side):
    at = timezone.now() + dt.timedelta(minutes=minutes)
    response = post(URL, report(at), credential)
    text = response.content.decode()
    assert response.status_code == 400 and text.startswith(f"sent_at: the agent's clock is 7m {side} the server's")
    assert nothing_stored()


def test_a_report_without_a_credential_or_with_an_unknown_one_is_401(credential):
    assert post(URL, report()).status_code == 401
    response = post(URL, report(), "cag_nothing")
    assert response.status_code == 401 and "not known or was revoked" in response.content.decode()
    assert nothing_stored()


def test_a_revoked_credential_is_401(credential):
    agent_revoke(asset="bianchi-srv")
    assert post(URL, report(), credential).status_code == 401
    assert nothing_stored()


def test_another_assets_credential_is_403_naming_its_own_asset(credential):
    nas = enrolled("bianchi-nas")
    response = post(URL, report(), nas)
    assert response.status_code == 403
    assert response.content.decode() == "this credential is asset 'bianchi-nas''s: it reports to " \
                                        "/agent/bianchi-nas/report only\n"
    assert nothing_stored()


def test_a_get_is_405(credential):
    assert Client().get(URL).status_code == 405


def test_the_answer_tells_the_agent_which_services_the_assets_agent_keys_watch(credential):
    agent_watch_save(asset="bianchi-srv", spec=AgentSpec(services=["nginx", "postgresql"]))
    answer = post(URL, report(), credential).json()
    assert answer == {"stored": True, "interval": 60, "services": ["nginx", "postgresql"]}
