"""The probe API: a probe's monitors with a version, its batches stored as a local engine's, once per id; every
bad request answered 4xx naming what is wrong, with nothing stored."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from custode.accounts.services import token_create
from custode.monitors.models import Monitor
from custode.probes.models import ProbeBatch
from custode.probes.services import probe_revoke
from custode.results.models import CheckResult, Rollup, StateChange
from custode.testing import factories

pytestmark = pytest.mark.django_db

MONITORS, BATCHES = "/api/v1/probe/monitors", "/api/v1/probe/batches"


@pytest.fixture
def world():
    factories.provider()
    server = factories.asset("server-1", kind="server")
    site = factories.asset("site-1")
    site.depends_on.add(server)
    ours = factories.monitor("site-http", asset=site, locations=["milan"])
    up = factories.monitor("server-tcp", asset=server, type="tcp", spec={"host": "127.0.0.1", "port": 22},
                           locations=["milan", "local"])
    factories.monitor("local-only", asset=site)
    factories.monitor("rome-only", asset=site, locations=["rome"])
    factories.monitor("milan-push", asset=site, type="push", spec={}, locations=["milan"])
    probe, secret = factories.probe("milan")
    return {"probe": probe, "client": Client(headers={"Authorization": f"Bearer {secret}"}), "ours": ours, "up": up,
            "site": site}


def batch(monitor: Monitor, *, id: str | None = None, status: str = "up", **extra) -> dict:
    at = timezone.now().isoformat()
    body = {"id": id or str(uuid.uuid4()),
            "observations": [{"monitor": monitor.pk, "at": at, "status": status, "latency_ms": 12.5,
                              "reason": "" if status == "up" else "status 503, expected 200"}]}
    return {**body, **extra}


def post(world, body) -> object:
    return world["client"].post(BATCHES, body, content_type="application/json")


def test_a_probe_gets_its_locations_checkable_monitors_with_what_the_engine_needs(world):
    answer = world["client"].get(MONITORS).json()
    assert answer["location"] == "milan"
    assert {m["key"] for m in answer["monitors"]} == {"site-http", "server-tcp"}  # no push, no other location's
    site = next(m for m in answer["monitors"] if m["key"] == "site-http")
    assert site["spec"] == {"url": world["ours"].spec["url"]} and site["interval"] == 60
    assert answer["upstream"] == {str(world["site"].pk): [world["up"].pk]}
    assert answer["maintenance"] == []


def test_an_unchanged_list_is_not_sent_again_and_an_edit_changes_the_version(world):
    first = world["client"].get(MONITORS).json()
    again = world["client"].get(MONITORS, {"since": first["version"]}).json()
    assert again["monitors"] is None and again["version"] == first["version"]
    world["ours"].timeout = 5.0
    world["ours"].save()
    edited = world["client"].get(MONITORS, {"since": first["version"]}).json()
    assert edited["version"] != first["version"]
    assert next(m for m in edited["monitors"] if m["key"] == "site-http")["timeout"] == 5.0


def test_assets_in_maintenance_are_in_every_answer(world):
    first = world["client"].get(MONITORS).json()
    factories.maintenance(world["site"], start=timezone.now() - dt.timedelta(minutes=1))
    again = world["client"].get(MONITORS, {"since": first["version"]}).json()
    assert again["monitors"] is None and again["maintenance"] == [world["site"].pk]


def test_a_batch_is_stored_as_a_local_engines_results_and_changes_are(world):
    monitor = world["ours"]
    at = timezone.now()
    body = batch(monitor, status="down", transitions=[
        {"monitor": monitor.pk, "at": at.isoformat(), "old": "unknown", "new": "down", "reason": "status 503",
         "failing_since": (at - dt.timedelta(seconds=20)).isoformat()}])
    answer = post(world, body)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"id": body["id"], "stored": True, "refused": []}
    monitor.refresh_from_db()
    assert monitor.state == "down" and monitor.last_reason == "status 503, expected 200"
    assert CheckResult.objects.get(monitor=monitor).status == "down"
    assert Rollup.objects.get(monitor=monitor).count == 1
    change = StateChange.objects.get(monitor=monitor)
    assert (change.from_state, change.to_state) == ("unknown", "down")
    assert change.failing_since == at - dt.timedelta(seconds=20)


def test_a_batch_posted_again_is_acknowledged_and_not_stored_twice(world):
    body = batch(world["ours"])
    assert post(world, body).json()["stored"] is True
    again = post(world, body)
    assert again.status_code == 200 and again.json() == {"id": body["id"], "stored": False, "refused": []}
    assert CheckResult.objects.count() == 1 and Rollup.objects.get().count == 1
    assert ProbeBatch.objects.get().batch == uuid.UUID(body["id"])


def test_a_state_change_the_server_refuses_comes_back_with_the_state_now(world):
    monitor = world["ours"]
    factories.state_change(monitor, "maintenance", at=timezone.now())
    body = batch(monitor, transitions=[{"monitor": monitor.pk, "at": timezone.now().isoformat(), "old": "unknown",
                                        "new": "up", "reason": ""}])
    assert post(world, body).json()["refused"] == [{"monitor": monitor.pk, "state": "maintenance"}]


def test_results_of_another_locations_monitors_are_refused_by_name_and_nothing_is_stored(world):
    rome = Monitor.objects.get(key="rome-only")
    body = batch(world["ours"])
    body["observations"] += batch(rome)["observations"]
    answer = post(world, body)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "observations", 1, "monitor"] and f"monitor {rome.pk} " in error["msg"]
    assert not CheckResult.objects.exists() and not ProbeBatch.objects.exists()


@pytest.mark.parametrize("token", ["", "cpr_not-a-token", "staff"])
def test_an_unknown_token_or_a_staff_one_is_401(world, token):
    if token == "staff":
        token = token_create(username=factories.staff("tech").username, can_write=True)[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    assert client.get(MONITORS).status_code == 401
    assert client.post(BATCHES, batch(world["ours"]), content_type="application/json").status_code == 401
    assert not CheckResult.objects.exists()


def test_a_revoked_probes_token_is_401(world):
    probe_revoke(name="milan")
    assert world["client"].get(MONITORS).status_code == 401


@pytest.mark.parametrize("change, loc", [
    (lambda b: b.pop("id"), ["body", "id"]),
    (lambda b: b.update(id="not-a-uuid"), ["body", "id"]),
    (lambda b: b["observations"][0].update(status="fine"), ["body", "observations", 0, "status"]),
    (lambda b: b["observations"][0].update(at="2026-12-04T10:00:00"), ["body", "observations", 0, "at"]),
    (lambda b: b["observations"][0].update(at="9999-12-31T23:59:59-14:00"), ["body", "observations", 0, "at"]),
    (lambda b: b["observations"][0].update(at=(timezone.now() + dt.timedelta(hours=1)).isoformat()),
     ["body", "observations", 0, "at"]),
    (lambda b: b["observations"][0].update(latency_ms=-1), ["body", "observations", 0, "latency_ms"]),
    (lambda b: b["observations"][0].update(monitor=0), ["body", "observations", 0, "monitor"]),
    (lambda b: b["observations"][0].update(colour="red"), ["body", "observations", 0, "colour"]),
    (lambda b: b.update(transitions=[{"monitor": 1}]), ["body", "transitions", 0, "at"]),
])
def test_a_malformed_batch_is_422_naming_the_field(world, change, loc):
    body = batch(world["ours"])
    change(body)
    answer = post(world, body)
    assert answer.status_code == 422, answer.content
    assert loc in [e["loc"] for e in answer.json()["detail"]], answer.json()
    assert not CheckResult.objects.exists()


def test_text_the_database_cannot_hold_is_422_not_a_500(world):
    body = batch(world["ours"], status="down")
    body["observations"][0]["reason"] = "bad \ud800 byte"  # valid JSON, not valid UTF-8
    answer = world["client"].post(BATCHES, json.dumps(body), content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert answer.json()["detail"][0]["loc"] == ["body", "observations", 0, "reason"]
    assert not CheckResult.objects.exists()


def test_batch_ids_older_than_a_week_are_pruned(world, monkeypatch):
    from custode.probes import exchange

    old = timezone.now() - dt.timedelta(days=8)
    ProbeBatch.objects.create(probe=world["probe"], batch=uuid.uuid4(), received_at=old)
    monkeypatch.setattr(exchange, "_pruned", [float("-inf")])
    post(world, batch(world["ours"]))
    assert ProbeBatch.objects.count() == 1 and ProbeBatch.objects.get().received_at > old


def test_a_probes_down_for_a_monitor_shared_with_another_location_is_its_locations_and_the_quorum_decides(world):
    from custode.results.models import LocationState

    shared = world["up"]  # locations [milan, local]
    shared.quorum = 2
    shared.state = "up"
    shared.save()
    at = timezone.now()
    LocationState.objects.create(monitor=shared, location="local", state="up", since=at, last_check_at=at)
    body = batch(shared, status="down", transitions=[
        {"monitor": shared.pk, "at": at.isoformat(), "old": "up", "new": "down", "reason": "connection refused",
         "failing_since": at.isoformat()}])
    assert post(world, body).status_code == 200
    shared.refresh_from_db()
    assert shared.state == "up" and not StateChange.objects.filter(monitor=shared).exists()  # one of two, local up
    assert LocationState.objects.get(monitor=shared, location="milan").state == "down"
    again = world["client"].get(MONITORS).json()
    assert again["location_states"] == {str(shared.pk): "down"}  # a probe started again goes on from there
