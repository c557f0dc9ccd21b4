"""An enrolment token lets one device in, once, before it expires; the device gets its own credential."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from custode.accounts.models import token_hash
from custode.agents.models import Agent, EnrolmentToken
from custode.agents.services import agent_authenticate, agent_token_create
from custode.agents.tests.conftest import post


def test_a_token_enrols_the_device_and_its_credential_is_kept_only_as_a_hash(server):
    _, token = agent_token_create(asset="bianchi-srv")
    response = post("/agent/enroll", {"token": token, "hostname": "srv01", "version": "0.1.0"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["asset"] == "bianchi-srv" and body["interval"] == 60
    assert body["report_url"] == "http://testserver/agent/bianchi-srv/report"
    agent = Agent.objects.get(asset__key="bianchi-srv")
    assert (agent.hostname, agent.version) == ("srv01", "0.1.0")
    assert agent.digest == token_hash(body["credential"]) and body["credential"] not in str(agent.__dict__)
    assert agent_authenticate(body["credential"]) == agent
    assert EnrolmentToken.objects.get().digest == token_hash(token)


def test_a_used_token_is_refused_and_enrols_nothing_more(server):
    _, token = agent_token_create(asset="bianchi-srv")
    first = post("/agent/enroll", {"token": token}).json()["credential"]
    again = post("/agent/enroll", {"token": token})
    assert again.status_code == 403
    assert "token: this enrolment token was used at" in again.content.decode()
    assert agent_authenticate(first) is not None, "the first device keeps its credential"


def test_an_expired_or_unknown_token_is_refused(server):
    _, token = agent_token_create(asset="bianchi-srv", expires=60, now=timezone.now() - dt.timedelta(minutes=2))
    expired = post("/agent/enroll", {"token": token})
    assert expired.status_code == 403 and "token: this enrolment token expired at" in expired.content.decode()
    unknown = post("/agent/enroll", {"token": "cet_nothing"})
    assert unknown.status_code == 403 and "no enrolment token is this one" in unknown.content.decode()
    assert not Agent.objects.exists()
    assert EnrolmentToken.objects.get().used_at is None


def test_an_enrolment_without_a_token_or_not_json_is_400(server):
    assert post("/agent/enroll", {"hostname": "x"}).content.decode().startswith("token: is required")
    response = post("/agent/enroll", b"{not json")
    assert response.status_code == 400 and "the body is not JSON" in response.content.decode()


def test_enrolling_again_replaces_the_devices_credential(server):
    tokens = [agent_token_create(asset="bianchi-srv")[1] for _ in range(2)]
    old, new = (post("/agent/enroll", {"token": t}).json()["credential"] for t in tokens)
    assert agent_authenticate(old) is None and agent_authenticate(new) is not None
    assert Agent.objects.count() == 1


def test_the_command_prints_a_token_that_lasts_as_long_as_asked(server):
    out, err = io.StringIO(), io.StringIO()
    call_command("agent-token", "create", "--asset", "bianchi-srv", "--expires", "2h", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = EnrolmentToken.objects.get(digest=token_hash(secret))
    assert dt.timedelta(minutes=119) < token.expires_at - timezone.now() <= dt.timedelta(hours=2)
    assert "single use" in err.getvalue()
    with pytest.raises(CommandError, match="no asset 'nope'"):
        call_command("agent-token", "create", "--asset", "nope", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="--expires 'soon'"):
        call_command("agent-token", "create", "--asset", "bianchi-srv", "--expires", "soon", stdout=out, stderr=err)
