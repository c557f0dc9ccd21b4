"""GET /api/v1/assets/<id>/agent: the last report, for any staff token; nothing for an asset without an agent."""

import pytest
from django.test import Client

from custode.accounts.services import token_create
from custode.agents.tests.conftest import enrolled, post, report
from custode.testing import factories


@pytest.fixture
def api(server):
    factories.staff("tech")
    _, secret = token_create(username="tech", can_write=False)
    return lambda path: Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_read_only_token_reads_the_last_report(api):
    post("/agent/bianchi-srv/report", report(), enrolled("bianchi-srv"))
    response = api("/assets/bianchi-srv/agent")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["load"] == [0.5, 0.4, 0.3] and body["cpu_percent"] == 12.5
    assert body["memory"]["percent"] == 25.0 and body["disks"][0]["mount"] == "/"
    assert body["updates"]["pending"] == 7 and body["updates"]["security"] == 2
    assert body["inventory"]["kernel"] == "6.1.0-18-amd64"
    assert body["received_at"] and body["hostname"] == "bianchi-srv.lan"


def test_an_enrolled_agent_that_never_reported_has_empty_numbers(api):
    enrolled("bianchi-srv")
    body = api("/assets/bianchi-srv/agent").json()
    assert body["received_at"] is None and body["load"] is None and body["disks"] == []


def test_an_asset_without_an_agent_or_no_asset_is_404(api):
    response = api("/assets/bianchi-nas/agent")
    assert response.status_code == 404 and "agent 'bianchi-nas' does not exist" in response.content.decode()
    assert api("/assets/nope/agent").status_code == 404
