"""The portal's world: Hotel Mirador (Spanish) and Studio Rossi (Italian), each with a contact, an asset
and a ticket; Rossi is the outsider whose things Mirador's contact must never see."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.utils import translation

from custode.notify.models import Message
from custode.testing import factories
from custode.tickets import services as tickets
from custode.tickets.uploads import Upload


@pytest.fixture(autouse=True)
def _no_language_left():
    yield
    translation.deactivate()


@pytest.fixture
def world(db, settings):
    settings.BASE_URL = "https://custode.example"
    factories.provider(contact_url="https://retesicura.example/contatti")
    plan = factories.plan("care", support_hours="24/7", monthly_hours=10, first_response={"default": 7200})
    mirador = factories.customer("hotel-mirador", name="Hotel Mirador", language="es", plan=plan)
    rossi = factories.customer("studio-rossi", name="Studio Rossi", language="it", plan=plan)
    lucia = factories.contact(mirador, name="Lucía Pérez", email="lucia@mirador.example", language="es")
    marco = factories.contact(rossi, name="Marco Rossi", email="marco@rossi.example", language="it")
    nas = factories.asset("mirador-nas", customer=mirador, kind="nas", name="NAS recepción",
                          warranty_until=dt.date(2027, 3, 12))
    vault = factories.asset("rossi-vault", customer=rossi, kind="server", name="Rossi secret vault")
    mine = tickets.ticket_open(customer="hotel-mirador", subject="La impresora no imprime", body="Desde ayer.",
                               contact=lucia.pk, asset="mirador-nas")
    theirs = tickets.ticket_open(customer="studio-rossi", subject="Rossi private matter", body="Confidential.",
                                 contact=marco.pk, asset="rossi-vault",
                                 files=[Upload("rossi-contract.pdf", "application/pdf", b"%PDF Rossi's terms")])
    return SimpleNamespace(plan=plan, mirador=mirador, rossi=rossi, lucia=lucia, marco=marco, nas=nas, vault=vault,
                           mine=mine, theirs=theirs, their_file=theirs.replies.get().attachments.get())


def link_in(message: Message) -> str:
    """The login path an e-mail carries."""
    return re.search(r"https://custode\.example(/portal/login/[^/\s]+/)", message.body).group(1)


def login_mail(address: str) -> Message:
    return Message.objects.filter(key__startswith="portal-login:", recipient=address).order_by("-id").first()


def log_in(client, address: str):
    """CLIENT logged in as the contact of ADDRESS, through the link the portal mailed them."""
    client.post("/portal/login", {"email": address})
    client.post(link_in(login_mail(address)))
    return client


@pytest.fixture
def as_lucia(client, world):
    """A client logged in as Mirador's contact."""
    return log_in(client, "lucia@mirador.example")
