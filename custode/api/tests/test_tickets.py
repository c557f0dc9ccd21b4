"""The tickets API as the desk contract says: open, read the queue in SLA order, reply, wait, log time, and the
hours bank; bad input is a 422 naming the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from custode.tickets.models import Ticket
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def acme(tech):
    factories.provider(timezone="Europe/Rome")
    always = factories.plan("always", support_hours="24/7", first_response={"server": 3600, "default": 7200},
                            resolution={"default": 8 * 3600}, monthly_hours=10)
    acme = factories.customer("acme", name="Acme", plan=always)
    factories.asset("acme-srv", customer=acme, kind="server")
    factories.asset("other-site", customer=factories.customer("other"))
    return acme


def test_opening_a_ticket_answers_its_number_and_clock(write_client, acme):
    maria = factories.contact(acme, name="Maria")
    answer = write_client.post("/tickets", json={"customer": "acme", "subject": "Server slow", "body": "Since 9.",
                                                 "asset": "acme-srv", "contact": maria.pk, "channel": "phone"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["number"], body["customer"], body["asset"], body["status"], body["channel"]) == (
        1001, "acme", "acme-srv", "open", "phone")
    opened = dt.datetime.fromisoformat(body["opened_at"])
    assert dt.datetime.fromisoformat(body["sla"]["first_response_due"]) == opened + dt.timedelta(hours=1)
    assert body["sla"]["state"] == "running" and body["sla"]["first_response_at"] is None


def test_the_queue_puts_the_nearest_due_first_and_tickets_without_a_clock_last(write_client, acme):
    write_client.post("/tickets", json={"customer": "other", "subject": "No plan", "body": "x"})
    general = write_client.post("/tickets", json={"customer": "acme", "subject": "General", "body": "x"}).json()
    server = write_client.post("/tickets", json={"customer": "acme", "subject": "Server", "body": "x",
                                                 "asset": "acme-srv"}).json()
    order = [t["subject"] for t in write_client.get("/tickets").json()["items"]]
    assert order == ["Server", "General", "No plan"]
    assert [t["id"] for t in write_client.get("/tickets", params={"customer": "acme"}).json()["items"]] == [
        server["id"], general["id"]]


def test_a_public_reply_answers_and_waiting_pauses_the_clock(write_client, acme):
    ticket = write_client.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x"}).json()
    internal = write_client.post(f"/tickets/{ticket['id']}/replies", json={"body": "note", "public": False})
    assert internal.status_code == 201
    assert write_client.get(f"/tickets/{ticket['id']}").json()["sla"]["first_response_at"] is None
    write_client.post(f"/tickets/{ticket['id']}/replies", json={"body": "Which users?"})
    waiting = write_client.patch(f"/tickets/{ticket['id']}", json={"status": "waiting", "assignee": "tech"})
    assert waiting.status_code == 200, waiting.text
    assert waiting.json()["sla"]["state"] == "paused" and waiting.json()["assignee"] == "tech"
    thread = write_client.get(f"/tickets/{ticket['id']}").json()["replies"]
    assert [(r["body"], r["public"]) for r in thread] == [("x", True), ("note", False), ("Which users?", True)]


def test_time_logged_is_drawn_from_the_hours_bank(write_client, acme):
    ticket = write_client.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x"}).json()
    assert write_client.post(f"/tickets/{ticket['id']}/time", json={"minutes": 45, "note": "reboot"}).status_code == 201
    assert write_client.get(f"/tickets/{ticket['id']}").json()["minutes"] == 45
    # the provider's month: a fixed +01:00 is an hour off Rome's in summer, so on 22:00-23:00 UTC of a summer
    # month's last day it named the month before the one the time was logged in
    month = timezone.now().astimezone(ZoneInfo("Europe/Rome")).strftime("%Y-%m")
    hours = write_client.get("/customers/acme/hours", params={"month": month}).json()
    assert hours == {"month": month, "included_minutes": 600, "used_minutes": 45, "balance_minutes": 555}
    assert write_client.get("/customers/acme/hours", params={"month": "2020-01"}).json()["used_minutes"] == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"customer": "nobody"}, "customer"),
    ({"asset": "other-site"}, "asset"),
    ({"priority": "asap"}, "priority"),
    ({"opened_at": "2099-01-01T00:00:00+00:00"}, "opened_at"),
    ({"subject": " "}, "subject"),
])
def test_a_ticket_that_cannot_be_opened_is_a_422_naming_the_field(write_client, acme, body, field):
    answer = write_client.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x", **body})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"][-1] == field
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/tickets", {"status": "pending"}, "status"),
    ("/tickets", {"channel": "fax"}, "channel"),
    ("/customers/acme/hours", {"month": "2026-13"}, "month"),
])
def test_a_bad_filter_is_a_422_naming_it(write_client, acme, path, params, field):
    answer = write_client.get(path, params=params)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", field]


def test_bad_changes_are_refused_naming_the_field(write_client, acme):
    ticket = write_client.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x"}).json()
    assert write_client.patch(f"/tickets/{ticket['id']}", json={"assignee": "ghost"}).json()["detail"][0]["loc"] == [
        "body", "assignee"]
    assert write_client.post(f"/tickets/{ticket['id']}/time", json={"minutes": 0}).status_code == 422
    write_client.patch(f"/tickets/{ticket['id']}", json={"status": "closed"})
    reopened = write_client.patch(f"/tickets/{ticket['id']}", json={"status": "open"})
    assert reopened.status_code == 422 and reopened.json()["detail"][0]["loc"] == ["body", "status"]
    assert write_client.get("/tickets/999999").status_code == 404
    assert write_client.get("/customers/nobody/hours").status_code == 404


def test_a_read_only_token_reads_tickets_but_opens_none(read_client, acme):
    assert read_client.get("/tickets").status_code == 200
    assert read_client.post("/tickets", json={"customer": "acme", "subject": "S", "body": "x"}).status_code == 403
