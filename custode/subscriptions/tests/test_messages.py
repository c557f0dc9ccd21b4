"""What the public page's subscribers are told of incidents: the public truth, once, to those who confirmed,
about the components they chose, with a one-click unsubscribe."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import services as incidents
from custode.notify.models import Message
from custode.subscriptions import services
from custode.subscriptions.tests.conftest import NOW, confirmed, signed_up


def told(subscriber) -> list[Message]:
    return list(Message.objects.filter(audience="subscriber", recipient=subscriber.address)
                .exclude(topic__startswith="subscriber:").order_by("id"))


def open_on(asset, at=NOW):
    return incidents.incident_open(root_asset=asset, at=at)


@pytest.mark.parametrize(("language", "opened", "resolved"), [
    ("it", "ci stiamo lavorando", "Risolto:"),
    ("en", "we are working on it", "Resolved:"),
    ("es", "ya estamos trabajando en ello", "Resuelto:"),
])
def test_a_confirmed_subscriber_hears_of_the_incident_from_start_to_end_in_their_language(
        world, language, opened, resolved):
    subscriber = confirmed(language=language)
    incident = open_on(world.server)
    incidents.incident_post_update(incident=incident, author=world.owner, status="identified",
                                   template="identified", at=NOW + dt.timedelta(minutes=10))
    incidents.incident_resolve(incident=incident, author=world.owner, at=NOW + dt.timedelta(minutes=70))
    first, update, last = told(subscriber)
    assert opened in first.subject and "vps-01.retesicura.example" in first.subject + first.body
    assert "Domenico Ferri" in update.body and last.subject.startswith(resolved)
    for message in (first, update, last):
        assert message.language == language and message.channel == "email"
        assert "https://status.retesicura.example/status/stato/" in message.body
        assert f"/status/stato/unsubscribe/{subscriber.token}/" in message.body
        assert "+39" in message.body  # a person or the provider, with a number to call
        assert "Studio Legale Bianchi" not in message.body and "studiobianchi" not in message.body
        assert "{{" not in message.body + message.subject


def test_every_e_mail_carries_one_click_unsubscribe_headers(world):
    subscriber = confirmed()
    open_on(world.server)
    (message,) = told(subscriber)
    url = f"https://status.retesicura.example/status/stato/unsubscribe/{subscriber.token}/"
    assert message.headers["List-Unsubscribe"] == f"<{url}>"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Id"] == "<stato.status.retesicura.example>"


def test_an_unconfirmed_subscriber_gets_nothing_but_the_confirmation(world):
    subscriber = signed_up()
    incident = open_on(world.server)
    incidents.incident_resolve(incident=incident, at=NOW + dt.timedelta(minutes=5))
    assert told(subscriber) == []
    assert list(Message.objects.filter(recipient=subscriber.address).values_list("topic", flat=True)) == [
        f"subscriber:{subscriber.pk}"]


def test_after_unsubscribing_nothing_more_arrives(world):
    subscriber = confirmed()
    incident = open_on(world.server)
    services.unsubscribe(subscriber.token)
    incidents.incident_resolve(incident=incident, at=NOW + dt.timedelta(minutes=5))
    assert [m.subject for m in told(subscriber)] == [told(subscriber)[0].subject]
    assert len(told(subscriber)) == 1


def test_subscribers_hear_only_of_the_components_they_chose(world):
    router_only = confirmed(address="router@example.org", components=["core-router"])
    everything = confirmed(address="all@example.org")
    open_on(world.server)
    assert told(router_only) == [] and len(told(everything)) == 1
    open_on(world.router, at=NOW + dt.timedelta(minutes=1))
    assert len(told(router_only)) == 1 and len(told(everything)) == 2


def test_an_incident_on_a_customers_own_asset_is_not_told_to_subscribers(world):
    subscriber = confirmed()
    open_on(world.site)
    assert told(subscriber) == []


def test_an_internal_root_cause_is_not_named_to_subscribers(world):
    world.router.depends_on.add(world.nas)
    subscriber = confirmed(language="en")
    open_on(world.nas)
    (message,) = told(subscriber)
    assert message.subject.startswith("Service disruption")
    assert "NAS backup interno" not in message.subject + message.body
    assert "Core router" in message.body


def test_telling_again_writes_no_second_message(world):
    subscriber = confirmed()
    incident = open_on(world.server)
    incidents.incident_confirm(incident=incident, at=NOW + dt.timedelta(minutes=1))
    assert len(told(subscriber)) == 1


def test_a_webhook_subscriber_receives_the_public_json_with_its_unsubscribe_link(world):
    subscriber = confirmed("webhook", "https://hooks.example.org/status", email="ops@example.org", language="en")
    assert Message.objects.filter(topic=f"subscriber:{subscriber.pk}").get().recipient == "ops@example.org"
    open_on(world.server)
    (message,) = told(subscriber)
    assert message.channel == "webhook" and message.headers == {}
    payload = message.payload
    assert payload["event"] == "incident.opened" and payload["customer"] is None
    assert payload["incident"]["root_asset"] == "vps-01"
    assert payload["incident"]["url"] == "https://status.retesicura.example/status/stato/"
    assert [a["asset"] for a in payload["affected"]] == ["vps-01"]
    assert payload["unsubscribe"].endswith(f"/unsubscribe/{subscriber.token}/")
    assert "Studio Legale Bianchi" not in str(payload) and "bianchi-web" not in str(payload)
