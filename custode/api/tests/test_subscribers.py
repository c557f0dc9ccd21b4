"""/api/v1/subscribers over real HTTP: the public page's subscribers as staff see them, and unsubscribing one."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from custode.incidents.services import incident_open
from custode.notify.models import Message
from custode.subscriptions.models import Subscriber
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now().replace(microsecond=0)


def subscriber(address: str, *, channel: str = "email", email: str = "", language: str = "it", components=(),
               confirmed: bool = True, unsubscribed: bool = False, minutes_ago: int = 0) -> Subscriber:
    """A subscriber as the sign-up form and its confirmation link leave one."""
    created = NOW - dt.timedelta(minutes=minutes_ago)
    row = Subscriber.objects.create(
        channel=channel, address=address, email=email or address, language=language,
        confirmed_at=created + dt.timedelta(minutes=1) if confirmed else None,
        unsubscribed_at=created + dt.timedelta(minutes=2) if unsubscribed else None)
    row.components.set(components)
    return row


@pytest.fixture
def page(db):
    """The public page shows the server and the router; Lucia hears of everything, the webhook of the router only,
    Marco has not confirmed, Ana left."""
    factories.provider()
    server = factories.asset("vps-01", kind="server", name="vps-01.retesicura.example", public=True)
    router = factories.asset("core-router", kind="network", name="Core router", public=True)
    factories.asset("bianchi-web", customer=factories.customer("studio-bianchi"))
    return SimpleNamespace(
        server=server, router=router,
        lucia=subscriber("lucia@example.org", language="es", minutes_ago=40),
        hook=subscriber("https://hooks.example.net/custode", channel="webhook", email="ops@example.net",
                        language="en", components=[router], minutes_ago=30),
        marco=subscriber("marco@example.org", components=[server], confirmed=False, minutes_ago=20),
        ana=subscriber("ana@example.org", components=[server], unsubscribed=True, minutes_ago=10),
    )


def ids(body: dict, page) -> list[str]:
    names = {getattr(page, name).pk: name for name in ("lucia", "hook", "marco", "ana")}
    return [names[item["id"]] for item in body["items"]]


def told(row: Subscriber) -> list[Message]:
    return list(Message.objects.filter(audience="subscriber", recipient=row.address)
                .exclude(topic__startswith="subscriber:"))


def test_the_openapi_document_lists_the_subscriber_paths(anonymous):
    document = anonymous.get("/openapi.json").json()
    assert set(document["paths"]["/api/v1/subscribers"]) == {"get"}
    assert {"204", "404"} <= set(document["paths"]["/api/v1/subscribers/{subscriber_id}"]["delete"]["responses"])
    assert "token" not in document["components"]["schemas"]["SubscriberOut"]["properties"]


def test_subscribers_need_a_token_and_unsubscribing_needs_a_read_write_one(anonymous, read_client, page):
    assert anonymous.get("/subscribers").status_code == 401
    assert anonymous.delete(f"/subscribers/{page.lucia.pk}").status_code == 401
    assert read_client.delete(f"/subscribers/{page.lucia.pk}").status_code == 403
    assert Subscriber.objects.get(pk=page.lucia.pk).unsubscribed_at is None


def test_the_list_has_the_newest_first_with_what_each_chose_and_their_status(read_client, page):
    body = read_client.get("/subscribers").json()
    assert (body["count"], body["limit"], body["offset"]) == (4, 100, 0)
    assert ids(body, page) == ["ana", "marco", "hook", "lucia"]
    ana, marco, hook, lucia = body["items"]
    assert [s["status"] for s in (ana, marco, hook, lucia)] == ["unsubscribed", "pending", "active", "active"]
    assert hook == {
        "id": page.hook.pk, "channel": "webhook", "address": "https://hooks.example.net/custode",
        "email": "ops@example.net", "language": "en", "components": ["core-router"],
        "created_at": hook["created_at"], "confirmed_at": hook["confirmed_at"], "unsubscribed_at": None,
        "status": "active"}
    assert dt.datetime.fromisoformat(hook["confirmed_at"]) == page.hook.confirmed_at
    assert lucia["components"] == [] and marco["confirmed_at"] is None and ana["unsubscribed_at"] is not None


def test_the_list_never_carries_a_subscribers_token(read_client, page):
    response = read_client.get("/subscribers")
    for row in (page.lucia, page.hook, page.marco, page.ana):
        assert row.token not in response.text
    assert all("token" not in item for item in response.json()["items"])


@pytest.mark.parametrize(("query", "names"), [
    ({"status": "pending"}, ["marco"]),
    ({"status": "active"}, ["hook", "lucia"]),
    ({"status": "unsubscribed"}, ["ana"]),
    ({"channel": "webhook"}, ["hook"]),
    ({"channel": "email"}, ["ana", "marco", "lucia"]),
    ({"component": "core-router"}, ["hook", "lucia"]),  # Lucia chose nothing: she hears of every component
    ({"component": "vps-01"}, ["ana", "marco", "lucia"]),
    ({"component": "vps-01", "status": "active", "channel": "email"}, ["lucia"]),
])
def test_the_list_filters_by_status_channel_and_component(read_client, page, query, names):
    body = read_client.get("/subscribers", params=query).json()
    assert ids(body, page) == names and body["count"] == len(names)


def test_the_list_is_paginated_with_the_total_count(read_client, page):
    first = read_client.get("/subscribers", params={"limit": 3}).json()
    second = read_client.get("/subscribers", params={"limit": 3, "offset": 3}).json()
    assert (first["count"], first["limit"], ids(first, page)) == (4, 3, ["ana", "marco", "hook"])
    assert (second["count"], second["offset"], ids(second, page)) == (4, 3, ["lucia"])
    assert read_client.get("/subscribers", params={"limit": 0}).status_code == 422


@pytest.mark.parametrize(("query", "message"), [
    ({"status": "confirmed"}, "unknown status 'confirmed'; one of pending, active, unsubscribed"),
    ({"channel": "sms"}, "unknown channel 'sms'; one of email, webhook"),
    ({"component": "bianchi-web"}, "there is no component 'bianchi-web' on the public page"),
    ({"component": "nowhere"}, "there is no component 'nowhere' on the public page"),
])
def test_a_bad_filter_value_is_422_naming_the_parameter(read_client, page, query, message):
    response = read_client.get("/subscribers", params=query)
    assert response.status_code == 422
    (name,) = query
    assert response.json() == {"detail": [{"loc": ["query", name], "msg": message, "type": "invalid"}]}


def test_unsubscribing_keeps_the_subscriber_and_they_hear_of_no_more_incidents(write_client, page):
    response = write_client.delete(f"/subscribers/{page.lucia.pk}")
    assert response.status_code == 204 and response.content == b""
    row = Subscriber.objects.get(pk=page.lucia.pk)
    assert row.unsubscribed_at is not None and row.token == page.lucia.token
    assert write_client.get("/subscribers", params={"status": "unsubscribed"}).json()["count"] == 2

    incident_open(root_asset=page.router)
    assert told(page.lucia) == []
    assert len(told(page.hook)) == 1  # the router's other subscriber is still told


def test_unsubscribing_twice_changes_nothing_the_second_time(write_client, page):
    when = Subscriber.objects.get(pk=page.ana.pk).unsubscribed_at
    assert write_client.delete(f"/subscribers/{page.ana.pk}").status_code == 204
    assert Subscriber.objects.get(pk=page.ana.pk).unsubscribed_at == when


def test_unsubscribing_an_unknown_subscriber_is_404(write_client, page):
    response = write_client.delete("/subscribers/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "subscriber '999999' does not exist"}
    assert Subscriber.objects.filter(unsubscribed_at=None).count() == 3
