"""The world of the subscription tests: the provider's public server and router, an internal NAS that is not
public, and a customer's site on the server. Subscribers are made the way the sign-up form makes them."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest

from custode.notify.models import Message
from custode.subscriptions import services
from custode.subscriptions.models import Subscriber
from custode.testing import factories

NOW = dt.datetime(2026, 12, 2, 9, 42, tzinfo=dt.UTC)


def signed_up(channel="email", address="lucia@example.org", *, email="", language="es", components=(),
              ip="198.51.100.7", now=NOW) -> Subscriber:
    return services.subscribe(services.Request(channel, address, email, language, tuple(components)), ip=ip, now=now)


def confirmation_of(subscriber: Subscriber) -> Message:
    return Message.objects.filter(topic=f"subscriber:{subscriber.pk}").latest("id")


def link_value(message: Message) -> str:
    """The signed part of the confirmation link in MESSAGE's body."""
    return re.search(r"/subscribe/confirm/([^/\s]+)/", message.body).group(1)


def confirmed(*args, **kwargs) -> Subscriber:
    """A subscriber who followed the link in their confirmation e-mail."""
    subscriber = signed_up(*args, **kwargs)
    return services.confirm(link_value(confirmation_of(subscriber)), now=kwargs.get("now", NOW))


@pytest.fixture
def world(db, settings):
    settings.BASE_URL = "https://status.retesicura.example"
    settings.SUBSCRIBER_WEBHOOKS = "any"
    provider = factories.provider(name="Rete Sicura S.r.l.", status_slug="stato", timezone="Europe/Rome",
                                  status_title="", contact_phone="+39 0521 000000")
    owner = factories.staff("domenico", name="Domenico Ferri", phone="+39 333 0000001", on_call=True,
                            notify=["email"]).staff
    server = factories.asset("vps-01", kind="server", name="vps-01.retesicura.example", public=True)
    router = factories.asset("core-router", kind="network", name="Core router", public=True)
    nas = factories.asset("backup-nas", kind="nas", name="NAS backup interno")
    customer = factories.customer("studio-bianchi", name="Studio Legale Bianchi", language="it")
    factories.contact(customer, name="Maria Bianchi")
    site = factories.asset("bianchi-web", customer=customer, name="www.studiobianchi.example")
    site.depends_on.add(server)
    server.depends_on.add(router)
    return SimpleNamespace(provider=provider, owner=owner, server=server, router=router, nas=nas,
                           customer=customer, site=site)
