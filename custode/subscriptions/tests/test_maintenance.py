"""What the public page's subscribers are told of planned maintenance: announced windows on the public components
they chose, ahead of time, when the work starts and when it ends, once each, with a one-click unsubscribe."""

from __future__ import annotations

import datetime as dt

import pytest

from custode.incidents import messages
from custode.notify.models import Message
from custode.notify.services import outbox_enqueue
from custode.subscriptions import services
from custode.subscriptions.tests.conftest import confirmed, signed_up
from custode.testing import factories

START = dt.datetime(2026, 12, 3, 21, 0, tzinfo=dt.UTC)  # Thursday 22:00 in Rome
TITLE = {"it": "Aggiornamento del server", "en": "Server upgrade", "es": "Actualización del servidor"}
UNSUBSCRIBE = "https://status.retesicura.example/status/stato/unsubscribe/{}/"


def told(subscriber) -> list[Message]:
    return list(Message.objects.filter(audience="subscriber", recipient=subscriber.address)
                .exclude(topic__startswith="subscriber:").order_by("id"))


def tell(window, phase: str) -> int:
    return outbox_enqueue(messages=messages.maintenance_notice(window, phase=phase))


def window_on(*assets, announce=True, **fields):
    return factories.maintenance(*assets, start=START, duration=5400, announce=announce, title=TITLE, **fields)


@pytest.mark.parametrize(("language", "announced", "started", "ended", "title", "when"), [
    ("it", "Manutenzione programmata giovedì 3 dicembre", "Manutenzione in corso", "Manutenzione conclusa",
     "Aggiornamento del server", "giovedì 3 dicembre, dalle 22:00 alle 23:30 (ora Italia)"),
    ("en", "Planned maintenance on Thursday 3 December", "Maintenance under way", "Maintenance finished",
     "Server upgrade", "Thursday 3 December, from 22:00 to 23:30 (Italy Time)"),
    ("es", "Mantenimiento programado el jueves 3 de diciembre", "Mantenimiento en curso",
     "Mantenimiento terminado", "Actualización del servidor",
     "jueves 3 de diciembre, de las 22:00 a las 23:30 (hora de Italia)"),
])
def test_a_confirmed_subscriber_hears_of_the_maintenance_ahead_at_its_start_and_at_its_end_in_their_language(
        world, language, announced, started, ended, title, when):
    subscriber = confirmed(language=language)
    window = window_on(world.server)
    for phase in messages.PHASES:
        tell(window, phase)
    announce, start, end = told(subscriber)
    assert announce.subject == f"{announced}: {title}"
    assert start.subject == f"{started}: {title}" and end.subject == f"{ended}: {title}"
    assert when in announce.body
    zone = when[when.rindex("("):]
    assert f"23:30 {zone}" in start.body and "22:00" in end.body and f"23:30 {zone}" in end.body
    greeting = {"it": "Buongiorno,", "en": "Hello,", "es": "Hola:"}[language]
    for message in (announce, start, end):
        assert message.language == language and message.channel == "email"
        assert message.topic == f"maintenance:{window.pk}"
        assert message.body.startswith(greeting)
        assert title in message.body and "vps-01.retesicura.example" in message.body
        assert "https://status.retesicura.example/status/stato/\n" in message.body
        assert message.body.rstrip().endswith(UNSUBSCRIBE.format(subscriber.token))
        assert "Rete Sicura S.r.l." in message.body and "+39 0521 000000" in message.body
        assert "Studio Legale Bianchi" not in message.body and "studiobianchi" not in message.body
        assert "{{" not in message.body + message.subject and "\n\n\n" not in message.body
        assert message.headers["List-Unsubscribe"] == f"<{UNSUBSCRIBE.format(subscriber.token)}>"
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_customers_are_told_as_before_alongside_the_subscribers(world):
    subscriber = confirmed()
    window = window_on(world.server)
    tell(window, "announce")
    assert len(told(subscriber)) == 1
    (customer,) = Message.objects.filter(audience="customer", topic=f"maintenance:{window.pk}")
    assert customer.customer_id == world.customer.pk and "www.studiobianchi.example" in customer.body


def test_a_window_names_only_its_public_components_and_those_who_chose_none_hear_of_every_one(world):
    subscriber = confirmed(language="en")
    tell(window_on(world.server, world.router, world.nas), "start")
    (message,) = told(subscriber)
    assert "Core router" in message.body and "vps-01.retesicura.example" in message.body
    assert "NAS backup interno" not in message.body


def test_subscribers_hear_only_of_maintenance_on_the_components_they_chose(world):
    router_only = confirmed(address="router@example.org", components=["core-router"])
    everything = confirmed(address="all@example.org")
    tell(window_on(world.server), "announce")
    assert told(router_only) == [] and len(told(everything)) == 1
    tell(window_on(world.router), "announce")
    assert len(told(router_only)) == 1 and len(told(everything)) == 2


def test_the_unconfirmed_and_the_unsubscribed_hear_nothing_of_maintenance(world):
    pending = signed_up(address="pending@example.org")
    gone = confirmed(address="gone@example.org")
    services.unsubscribe(gone.token)
    window = window_on(world.server)
    for phase in messages.PHASES:
        tell(window, phase)
    assert told(pending) == [] and told(gone) == []


def test_a_window_on_a_customers_asset_tells_no_subscriber(world):
    subscriber = confirmed()
    window = window_on(world.site)
    tell(window, "announce")
    assert told(subscriber) == []
    assert Message.objects.filter(audience="customer", topic=f"maintenance:{window.pk}").count() == 1


def test_a_window_on_an_internal_asset_tells_no_subscriber_even_when_a_public_one_needs_it(world):
    """The public page does not show it (its components are the window's own public assets), so nor do we."""
    world.router.depends_on.add(world.nas)
    subscriber = confirmed()
    tell(window_on(world.nas), "announce")
    assert told(subscriber) == []


def test_telling_a_phase_again_writes_no_second_message(world):
    subscriber = confirmed()
    window = window_on(world.server)
    assert tell(window, "announce") == 2  # the subscriber and the customer's contact
    assert tell(window, "announce") == 0
    (message,) = told(subscriber)
    assert message.key == (f"maintenance:{window.pk}:announce:{START.isoformat()}:subscriber:{subscriber.pk}:"
                           f"email:{subscriber.address}")


def test_a_window_not_to_be_announced_tells_nobody(world):
    subscriber = confirmed()
    window = window_on(world.server, announce=False)
    for phase in messages.PHASES:
        assert messages.maintenance_notice(window, phase=phase) == []
    assert told(subscriber) == []


def test_a_webhook_subscriber_receives_the_maintenance_document_with_its_unsubscribe_link(world):
    subscriber = confirmed("webhook", "https://hooks.example.org/status", email="ops@example.org", language="en")
    window = window_on(world.server, world.nas, key="vps-upgrade")
    tell(window, "start")
    (message,) = told(subscriber)
    assert message.channel == "webhook" and message.headers == {}
    payload = message.payload
    assert payload["event"] == "maintenance.started" and payload["customer"] is None
    assert payload["maintenance"] == {"id": "vps-upgrade", "title": "Server upgrade", "start": START.isoformat(),
                                      "end": (START + dt.timedelta(seconds=5400)).isoformat(),
                                      "url": "https://status.retesicura.example/status/stato/"}
    assert [a["asset"] for a in payload["affected"]] == ["vps-01"]
    assert payload["unsubscribe"] == UNSUBSCRIBE.format(subscriber.token)
    assert payload["text"]["subject"] == "Maintenance under way: Server upgrade"
    assert "Studio Legale" not in str(payload) and "NAS backup" not in str(payload) and "backup-nas" not in str(payload)
