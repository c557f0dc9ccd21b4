"""Every message reads as if someone who speaks the reader's language wrote it to them: customers are greeted
by name, staff read the check's reason and Custode's own notes in their language, and times name the zone as
readers call it. The messages go through the outbox, as they are sent."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from custode.incidents import messages, services
from custode.incidents.models import AffectedCustomer, Incident
from custode.notify.models import Message
from custode.notify.services import outbox_enqueue
from custode.testing import factories

OPENED = dt.datetime(2026, 12, 2, 9, 42, tzinfo=dt.UTC)  # 10:42 in Rome
CONTACTS = {"it": "Maria Bianchi", "en": "John Smith", "es": "Carmen Ruiz"}
GREETINGS = {"it": "Gentile Maria Bianchi,", "en": "Dear John Smith,", "es": "Hola, Carmen Ruiz:"}
# Words of the English reasons below that must not reach a reader of Italian or Spanish.
ENGLISH = {"connection", "refused", "status", "expected", "timed", "out", "after", "unreachable", "merged",
           "into", "incident", "reason", "down", "since", "affected", "owner"}


@pytest.fixture
def world(db):
    factories.provider(name="Rete Sicura S.r.l.", timezone="Europe/Rome")
    owner = factories.staff("domenico", name="Domenico Ferri", on_call=True, language="it", notify=["email"]).staff
    factories.staff("jaime", name="Jaime Soler", language="es", notify=["email"])
    vps = factories.asset("vps-01", kind="server", name="vps-01")
    monitor = factories.monitor("vps-ping", asset=vps, type="tcp", spec={"host": "127.0.0.1", "port": 9},
                                state="down", last_reason="connection refused")
    incident = Incident.objects.create(title="vps-01 unreachable", owner=owner, root_asset=vps, opened_at=OPENED,
                                       confirmed_at=OPENED)
    incident.assets.add(vps)
    incident.monitors.add(monitor)
    for language, name in CONTACTS.items():
        customer = factories.customer(f"customer-{language}", language=language)
        site = factories.asset(customer=customer, name=f"www.{language}.example")
        site.depends_on.add(vps)
        incident.assets.add(site)
        factories.contact(customer, name=name)
        AffectedCustomer.objects.create(incident=incident, customer=customer, started_at=OPENED)
    return incident


def sent(out, **where) -> list[Message]:
    """OUT through the outbox: the rows a sender would deliver."""
    outbox_enqueue(messages=out)
    return list(Message.objects.filter(key__in=[m.key for m in out], **where).order_by("id"))


def resolve(incident):
    incident.status, incident.resolved_at = "resolved", OPENED + dt.timedelta(hours=1)
    incident.save()
    incident.affected.update(resolved_at=incident.resolved_at)


def test_customer_messages_greet_the_contact_by_name_in_every_language(world):
    opened = sent(messages.incident_opened(world), audience="customer")
    resolve(world)
    resolved = sent(messages.incident_resolved(world), audience="customer")
    assert len(opened) == len(resolved) == 3
    for message in opened + resolved:
        assert message.body.startswith(GREETINGS[message.language] + "\n\n"), message.body
        assert "cliente" not in message.body.splitlines()[0]


def test_a_contact_without_a_name_gets_a_greeting_that_fits_anyone(world):
    world.affected.get(customer__key="customer-es").customer.contacts.update(name="")
    [spanish] = sent(messages.incident_opened(world), audience="customer", language="es")
    assert spanish.body.startswith("Hola:\n\n")


def test_maintenance_notices_greet_the_contact_by_name(world):
    window = factories.maintenance(world.root_asset, start=OPENED, duration=3600, announce=True,
                                   title={"en": "Server upgrade"})
    for message in sent(messages.maintenance_notice(window, phase="announce")):
        assert message.body.startswith(GREETINGS[message.language] + "\n\n"), message.body


@pytest.mark.parametrize(("language", "reason"), [("it", "Motivo: connessione rifiutata"),
                                                  ("es", "Motivo: conexión rechazada")])
def test_staff_read_the_checks_reason_in_their_own_language(world, language, reason):
    [alert] = sent(messages.incident_opened(world), audience="staff", language=language)
    assert reason in alert.body
    assert not ENGLISH & set(re.findall(r"[a-z]+", alert.body.lower())), alert.body


@pytest.mark.parametrize(("language", "reason"), [("it", "codice di stato 503, atteso 200 o 204"),
                                                  ("es", "código de estado 503, se esperaba 200 o 204")])
def test_an_http_reason_reaches_staff_in_their_language(world, language, reason):
    world.monitors.update(last_reason="status 503, expected 200 or 204")
    [alert] = sent(messages.incident_opened(world), audience="staff", language=language)
    assert reason in alert.body


@pytest.mark.parametrize(("language", "note"), [
    ("it", "Qui confluisce l'incidente {child}: www.it.example non raggiungibile"),
    ("es", "Se ha fusionado aquí la incidencia {child}: www.it.example no accesible"),
])
def test_staff_read_custodes_own_notes_and_titles_in_their_language(world, language, note):
    site = world.assets.get(name="www.it.example")
    child = Incident.objects.create(title="www.it.example unreachable", root_asset=site, opened_at=OPENED)
    services.incident_merge(child=child, parent=world, at=OPENED + dt.timedelta(minutes=1))
    update = world.updates.order_by("id").last()
    [alert] = sent(messages.incident_updated(world, update), audience="staff", language=language)
    assert note.format(child=child.pk) in alert.body
    assert not ENGLISH & set(re.findall(r"[a-z]+", alert.body.lower())), alert.body


def test_a_staff_alert_without_a_root_asset_titles_the_incident_in_the_readers_language(world):
    world.root_asset = None
    world.save()
    [italian] = sent(messages.incident_opened(world, customers=[]), audience="staff", language="it")
    assert "vps-01 non raggiungibile" in italian.subject and "unreachable" not in italian.subject


@pytest.mark.parametrize(("language", "zone"), [("it", "(ora Italia)"), ("en", "(Italy Time)"),
                                                ("es", "(hora de Italia)")])
def test_times_in_messages_name_the_zone_as_readers_call_it(world, language, zone):
    out = sent(messages.incident_opened(world), language=language)
    assert out
    for message in out:
        assert f"10:42 {zone}" in message.body
        assert "Europe/Rome" not in message.body
