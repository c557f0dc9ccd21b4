"""/api/v1/incidents and /api/v1/messages over real HTTP: reads, the three writes, the delivery log, errors."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from custode.incidents import services
from custode.incidents.models import Incident, Update
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def story(tech):
    """A provider router that Bianchi's and Mirador's sites need goes down; an outsider's old incident is resolved."""
    factories.provider()
    tech.staff.on_call, tech.staff.notify = True, ["email"]
    tech.staff.save()
    bianchi = factories.customer("studio-bianchi", name="Studio Bianchi", language="it")
    mirador = factories.customer("hotel-mirador", name="Hotel Mirador", language="es")
    outsider = factories.customer("outsider", name="Zeta Outsider")
    for customer in (bianchi, mirador, outsider):
        factories.contact(customer, name=f"Contact of {customer.name}", language=customer.language)
    router = factories.asset("core-router", kind="network", name="Core router")
    sites = [factories.asset(f"{c.key}-site", customer=c, name=f"www.{c.key}.example") for c in (bianchi, mirador)]
    for site in sites:
        site.depends_on.add(router)
    ping = factories.monitor("router-ping", asset=router, type="ping", state="down", last_reason="no echo reply",
                             spec={"host": "192.0.2.1"})
    far = factories.monitor("outsider-http", asset=factories.asset("outsider-site", customer=outsider))
    now = timezone.now()
    old = services.incident_open(root_asset=far.asset, monitors=[far], at=now - dt.timedelta(days=1))
    services.incident_resolve(incident=old, at=now - dt.timedelta(hours=20))
    incident = services.incident_open(root_asset=router, monitors=[ping], at=now - dt.timedelta(minutes=10))
    return SimpleNamespace(incident=incident, old=old, bianchi=bianchi, mirador=mirador, outsider=outsider)


def test_the_openapi_document_lists_the_incident_and_message_paths(anonymous):
    document = anonymous.get("/openapi.json").json()
    paths = document["paths"]
    for path in ("/api/v1/incidents", "/api/v1/incidents/{incident_id}", "/api/v1/incidents/{incident_id}/updates",
                 "/api/v1/incidents/{incident_id}/reassign", "/api/v1/incidents/{incident_id}/resolve",
                 "/api/v1/incidents/{incident_id}/messages", "/api/v1/messages"):
        assert path in paths, path
    assert {"201", "404", "409", "422"} <= set(paths["/api/v1/incidents/{incident_id}/updates"]["post"]["responses"])
    assert {"IncidentOut", "IncidentSummary", "UpdateOut", "MessageOut", "UpdateIn"} <= set(
        document["components"]["schemas"])


def test_incidents_need_a_token(anonymous, story):
    assert anonymous.get("/incidents").status_code == 401
    assert anonymous.get("/messages").status_code == 401
    assert anonymous.post(f"/incidents/{story.incident.pk}/resolve", json={}).status_code == 401


def test_the_list_has_open_incidents_first_with_their_customers(read_client, story):
    body = read_client.get("/incidents").json()
    assert body["count"] == 2
    first, second = body["items"]
    assert (first["id"], second["id"]) == (story.incident.pk, story.old.pk)
    assert first["customers"] == [{"id": "hotel-mirador", "name": "Hotel Mirador"},
                                  {"id": "studio-bianchi", "name": "Studio Bianchi"}]
    assert (first["owner"], first["root_asset"], first["monitor_count"], first["severity"]) == (
        "tech", "core-router", 1, "critical")


@pytest.mark.parametrize(("query", "ids"), [
    ({"status": "open"}, ["incident"]), ({"status": "resolved"}, ["old"]), ({"status": "identified"}, []),
    ({"customer": "outsider"}, ["old"]), ({"customer": "studio-bianchi", "status": "open"}, ["incident"]),
    ({"limit": 1, "offset": 1}, ["old"]),
])
def test_the_list_filters_by_status_and_customer_and_paginates(read_client, story, query, ids):
    body = read_client.get("/incidents", params=query).json()
    assert [i["id"] for i in body["items"]] == [getattr(story, name).pk for name in ids]


@pytest.mark.parametrize(("query", "field"), [({"status": "on-fire"}, "status"), ({"customer": "nobody"}, "customer"),
                                              ({"limit": 0}, "limit")])
def test_an_unknown_list_filter_is_422_naming_it(read_client, story, query, field):
    response = read_client.get("/incidents", params=query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_one_incident_has_its_customers_assets_monitors_and_updates(read_client, story, tech):
    services.incident_post_update(incident=story.incident, author=tech.staff, status="identified",
                                  template="identified", language="en")
    services.incident_post_update(incident=story.incident, author=tech.staff, status="identified", public=False,
                                  message="Power supply replaced")
    body = read_client.get(f"/incidents/{story.incident.pk}").json()
    assert [c["id"] for c in body["affected"]] == ["hotel-mirador", "studio-bianchi"]
    assert all(c["notified_at"] for c in body["affected"])
    assert {a["id"] for a in body["assets"]} == {"core-router", "studio-bianchi-site", "hotel-mirador-site"}
    assert body["monitors"] == [{"id": "router-ping", "asset": "core-router", "type": "ping", "state": "down",
                                 "last_reason": "no echo reply"}]
    assert [(u["public"], u["author"], u["author_name"]) for u in body["updates"]] == [
        (True, "tech", "Tech"), (False, "tech", "Tech")]
    assert body["updates"][0]["text"] == "We have found the cause and are working on a fix."


def test_an_unknown_incident_is_404_everywhere(write_client, story):
    assert write_client.get("/incidents/9999").status_code == 404
    assert write_client.get("/incidents/9999/messages").status_code == 404
    update = {"status": "identified", "message": "x"}
    assert write_client.post("/incidents/9999/updates", json=update).status_code == 404
    assert write_client.post("/incidents/9999/reassign", json={"owner": "tech"}).status_code == 404
    assert write_client.post("/incidents/9999/resolve", json={}).status_code == 404


def test_a_public_update_is_201_and_tells_the_affected_customers(write_client, story):
    response = write_client.post(f"/incidents/{story.incident.pk}/updates",
                                 json={"status": "monitoring", "template": "monitoring", "language": "it"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["public"], body["author"], body["template"]) == (
        "monitoring", True, "tech", "monitoring")
    told = Message.objects.filter(key__contains=f":update:{body['id']}:")
    assert set(told.filter(audience="customer").values_list("customer__key", flat=True)) == {
        "studio-bianchi", "hotel-mirador"}
    assert Incident.objects.get(pk=story.incident.pk).status == "monitoring"


def test_an_internal_update_reaches_staff_only(write_client, story):
    response = write_client.post(f"/incidents/{story.incident.pk}/updates",
                                 json={"status": "identified", "message": "RAID rebuilt", "public": False})
    assert response.status_code == 201
    told = Message.objects.filter(key__contains=f":update:{response.json()['id']}:")
    assert told.filter(audience="staff").exists() and not told.filter(audience="customer").exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "on-fire", "message": "x"}, "status"),
    ({"status": "identified", "template": "exploded"}, "template"),
    ({"status": "identified", "message": "x", "language": "fr"}, "language"),
    ({"status": "identified", "message": "   "}, "message"),
    ({"status": "identified"}, "message"),
    ({"message": "x"}, "status"),
])
def test_a_bad_update_is_422_naming_the_field_and_writes_nothing(write_client, story, body, field):
    before = Message.objects.count()
    response = write_client.post(f"/incidents/{story.incident.pk}/updates", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert not Update.objects.filter(incident=story.incident).exists()
    assert Message.objects.count() == before


def test_a_resolved_incident_refuses_changes_with_409(write_client, story):
    for path, body in (("updates", {"status": "identified", "message": "late"}), ("resolve", {}),
                       ("reassign", {"owner": "tech"})):
        response = write_client.post(f"/incidents/{story.old.pk}/{path}", json=body)
        assert response.status_code == 409, path
        assert "is resolved" in response.json()["detail"]
    assert not Update.objects.filter(incident=story.old, message="late").exists()


def test_reassign_gives_the_incident_to_another_staff_member(write_client, story):
    factories.staff("giulia", name="Giulia Ferri")
    response = write_client.post(f"/incidents/{story.incident.pk}/reassign", json={"owner": "giulia"})
    assert response.status_code == 200, response.text
    assert (response.json()["owner"], response.json()["owner_name"]) == ("giulia", "Giulia Ferri")


def test_reassign_to_an_unknown_username_is_422(write_client, story):
    response = write_client.post(f"/incidents/{story.incident.pk}/reassign", json={"owner": "nobody"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "owner"]
    assert "unknown staff member 'nobody'" in response.json()["detail"][0]["msg"]
    assert Incident.objects.get(pk=story.incident.pk).owner.user.username == "tech"


def test_resolve_closes_the_incident_and_tells_each_customer(write_client, story):
    response = write_client.post(f"/incidents/{story.incident.pk}/resolve",
                                 json={"message": "Router replaced.", "language": "en"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "resolved" and body["resolved_at"]
    assert all(c["duration_seconds"] > 0 for c in body["affected"])
    assert body["updates"][-1]["message"] == "Router replaced."
    resolved = Message.objects.filter(key__startswith=f"incident:{story.incident.pk}:resolved:", audience="customer")
    assert resolved.count() == 2


def test_read_only_tokens_cannot_write(read_client, story):
    for path, body in (("updates", {"status": "identified", "message": "x"}), ("resolve", {}),
                       ("reassign", {"owner": "tech"})):
        response = read_client.post(f"/incidents/{story.incident.pk}/{path}", json=body)
        assert response.status_code == 403, path
    assert Incident.objects.get(pk=story.incident.pk).status == "investigating"
    assert not Update.objects.filter(incident=story.incident).exists()


def test_the_incident_delivery_log_lists_its_messages_only(read_client, story):
    Message.objects.filter(topic=f"incident:{story.incident.pk}", customer=story.mirador).update(
        status="failed", attempts=7, last_error="SMTP: 550 no such user")
    body = read_client.get(f"/incidents/{story.incident.pk}/messages").json()
    assert body["count"] == Message.objects.filter(topic=f"incident:{story.incident.pk}").count() > 0
    assert {m["topic"] for m in body["items"]} == {f"incident:{story.incident.pk}"}
    assert "outsider" not in {m["customer"] for m in body["items"]}
    failed = [m for m in body["items"] if m["status"] == "failed"]
    assert [(m["customer"], m["attempts"], m["last_error"]) for m in failed] == [
        ("hotel-mirador", 7, "SMTP: 550 no such user")]


def test_the_outbox_log_filters_by_status_channel_and_customer(read_client, story):
    Message.objects.filter(customer=story.bianchi).update(status="sent", sent_at=timezone.now())
    sent = read_client.get("/messages", params={"status": "sent"}).json()
    assert sent["count"] == Message.objects.filter(status="sent").count() > 0
    assert {m["customer"] for m in sent["items"]} == {"studio-bianchi"} and all(m["sent_at"] for m in sent["items"])
    theirs = read_client.get("/messages", params={"customer": "outsider"}).json()
    assert theirs["count"] > 0 and {m["customer"] for m in theirs["items"]} == {"outsider"}
    assert read_client.get("/messages", params={"channel": "webhook"}).json()["count"] == 0
    assert read_client.get("/messages", params={"channel": "email"}).json()["count"] == Message.objects.count()


@pytest.mark.parametrize("query", [{"status": "lost"}, {"channel": "pigeon"}, {"customer": "nobody"}])
def test_an_unknown_log_filter_is_422_naming_it(read_client, story, query):
    response = read_client.get("/messages", params=query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", *query]
