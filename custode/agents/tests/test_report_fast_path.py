"""POST /agent/<asset>/report over real HTTP into the real ASGI app, which serves it before Django: a report
answered 200 is stored; each bad one gets the 4xx the Django view gives, word for word, and stores nothing; the
reports of one batch are judged apart."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import httpx
import pytest
from django.utils import timezone

from custode.agents.ingest import received, store_reports
from custode.agents.models import Agent, AgentSample, PatchRecord
from custode.agents.services import agent_revoke
from custode.agents.tests.conftest import enrolled, post, report
from custode.asgi import agent_reports, application
from custode.testing.asgi_server import serving

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/agent/bianchi-srv/report"


@pytest.fixture
def base_url(server):
    with serving(application) as url:
        yield url
    agent_reports.writer.close()


@pytest.fixture
def credentials(server):
    return {asset: enrolled(asset) for asset in ("bianchi-srv", "bianchi-nas")}


def send(base_url: str, body, credential: str | None = None, path: str = URL) -> httpx.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    return httpx.post(base_url + path, content=data, headers={"Content-Type": "application/json", **headers})


def nothing_stored() -> bool:
    return not AgentSample.objects.exists() and not Agent.objects.filter(report__isnull=False).exists() \
        and not PatchRecord.objects.exists()


def test_a_report_answered_200_is_stored_as_the_agents_latest_with_a_sample(base_url, credentials):
    response = send(base_url, report(), credentials["bianchi-srv"])
    assert (response.status_code, response.json()) == (200, {"stored": True, "interval": 60, "services": []})
    agent = Agent.objects.get(asset__key="bianchi-srv")
    assert agent.report["load"] == [0.5, 0.4, 0.3] and agent.received_at is not None and agent.problems == []
    assert AgentSample.objects.get().agent == agent
    assert (agent.patch.since, agent.patch.security) == (dt.datetime.fromisoformat(agent.report["at"]), 2)


def skewed() -> dict:
    return report(timezone.now() - dt.timedelta(minutes=7))


def missing_memory() -> dict:
    body = report(cpu_count=0)
    del body["memory"]
    return body


BAD = {
    "not JSON": (lambda: b'{"at": ', "bianchi-srv", 400, "the body is not JSON"),
    "a field missing or wrong": (missing_memory, "bianchi-srv", 400, "cpu_count: "),
    "over 256 kB": (lambda: report(inventory={"padding": "x" * 300_000}), "bianchi-srv", 413,
                    "a report is at most 262144 bytes"),
    "no credential": (report, None, 401, "send the device's credential"),
    "an unknown credential": (report, "cag_nothing", 401, "not known or was revoked"),
    "another asset's credential": (report, "bianchi-nas", 403, "this credential is asset 'bianchi-nas''s"),
    "a clock 7 minutes behind": (skewed, "bianchi-srv", 400, "sent_at: the agent's clock is 7m behind the server's"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_report_is_the_views_4xx_word_for_word_and_stores_nothing(base_url, credentials, case):
    body, owner, status, said = BAD[case]
    data = body()
    credential = credentials.get(owner, owner)
    response = send(base_url, data, credential)
    assert response.status_code == status and said in response.text, response.text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert nothing_stored()
    through_django = post(URL, data, credential)
    assert (through_django.status_code, through_django.content) == (status, response.content)


def test_a_revoked_credential_is_401_and_stores_nothing(base_url, credentials):
    agent_revoke(asset="bianchi-srv")
    response = send(base_url, report(), credentials["bianchi-srv"])
    assert response.status_code == 401 and "not known or was revoked" in response.text
    assert nothing_stored()


def test_a_get_goes_on_to_django_and_is_405(base_url):
    assert httpx.get(base_url + URL).status_code == 405


def test_the_reports_of_one_batch_are_judged_apart(base_url, credentials):
    """Sent at once, they are written together: the bad ones are refused, the good ones of the same batch stored."""
    good = [("bianchi-srv", credentials["bianchi-srv"]), ("bianchi-nas", credentials["bianchi-nas"])]
    bad = [("bianchi-srv", "cag_nothing"), ("bianchi-srv", credentials["bianchi-nas"])]

    async def all_at_once():
        async with httpx.AsyncClient(base_url=base_url) as client:
            return await asyncio.gather(*(client.post(
                f"/agent/{asset}/report", json=report(), headers={"Authorization": f"Bearer {credential}"})
                for asset, credential in good + bad))

    answers = asyncio.run(all_at_once())
    assert [answer.status_code for answer in answers] == [200, 200, 401, 403]
    assert Agent.objects.filter(report__isnull=False).count() == 2 and AgentSample.objects.count() == 2


def test_one_batch_judges_each_report_apart_and_an_agents_reports_in_order(credentials):
    """A batch as the writer thread stores it: the refused ones store nothing and fail no other; buffered reports of
    one agent count in order: the newest is the latest, each is a sample, the patch record the first opens is grown
    by the next and cleared by the last."""
    now = timezone.now()
    srv, nas = credentials["bianchi-srv"], credentials["bianchi-nas"]

    def item(asset, credential, minutes_ago, security, **fields):
        body = report(now - dt.timedelta(minutes=minutes_ago), sent_at=now.isoformat(),
                      updates={"pending": security * 3, "security": security}, **fields)
        return received(asset, authorization=f"Bearer {credential}", declared="", body=json.dumps(body).encode(),
                        now=now)

    batch = [item("bianchi-srv", srv, 3, 2), item("bianchi-srv", "cag_nothing", 3, 1),
             item("bianchi-srv", nas, 3, 1), item("bianchi-nas", nas, 3, 1, cpu_count=0), item("bianchi-srv", srv, 2, 3),
             item("bianchi-nas", nas, 2, 0), item("bianchi-srv", srv, 1, 0)]
    assert [outcome.status for outcome in store_reports(batch, now)] == [200, 401, 403, 400, 200, 200, 200]
    srv_agent, nas_agent = Agent.objects.get(asset__key="bianchi-srv"), Agent.objects.get(asset__key="bianchi-nas")
    assert srv_agent.report["updates"]["security"] == 0 and srv_agent.patch is None
    assert nas_agent.report["updates"]["security"] == 0 and nas_agent.patch is None
    assert AgentSample.objects.filter(agent=srv_agent).count() == 3 and nas_agent.samples.count() == 1
    record = PatchRecord.objects.get()
    assert (record.agent, record.pending, record.security, record.cleared_at) == (
        srv_agent, 9, 3, now - dt.timedelta(minutes=1))


def test_an_oversized_report_sent_without_a_length_is_413_and_stores_nothing(base_url, credentials):
    """Chunked, so only the bytes read tell: at most one more than a report may be is kept."""
    body = json.dumps(report(inventory={"padding": "x" * 300_000})).encode()
    chunks = (body[i:i + 65536] for i in range(0, len(body), 65536))
    response = httpx.post(base_url + URL, content=chunks, headers={
        "Authorization": f"Bearer {credentials['bianchi-srv']}", "Content-Type": "application/json"})
    assert response.status_code == 413 and "more than 262144 bytes" in response.text, response.text
    assert nothing_stored()
