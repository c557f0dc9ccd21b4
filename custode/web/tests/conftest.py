"""A shared world for the web tests: two customers, the provider's own infrastructure and an outsider.

Every filter test asserts that the outsider's monitor stays out of sight.
"""

from types import SimpleNamespace

import pytest
from django.utils import translation

from custode.testing import factories

PASSWORD = "correct horse battery"


@pytest.fixture
def tech(db):
    return factories.staff("tech", password=PASSWORD)


@pytest.fixture
def staff_client(client, tech):
    client.force_login(tech)
    return client


@pytest.fixture
def world(db):
    bianchi = factories.customer("studio-bianchi", name="Studio Bianchi")
    mirador = factories.customer("hotel-mirador", name="Hotel Mirador")
    outsider = factories.customer("outsider", name="Zeta Outsider")
    site = factories.asset("bianchi-site", customer=bianchi, name="www.studiobianchi.example")
    nas = factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS ufficio")
    hotel = factories.asset("mirador-site", customer=mirador, name="www.mirador.example")
    router = factories.asset("core-router", kind="network", name="Core router")
    far = factories.asset("outsider-site", customer=outsider, name="www.outsider.example")
    return SimpleNamespace(
        bianchi=bianchi, mirador=mirador, outsider=outsider,
        site_http=factories.monitor("bianchi-http", asset=site, state="up", last_latency_ms=123.4,
                                    spec={"url": "https://www.studiobianchi.example/"}),
        nas_ping=factories.monitor("bianchi-nas-ping", asset=nas, type="ping", state="down",
                                   spec={"host": "nas.bianchi.example"}, last_reason="no echo reply from 192.0.2.7"),
        hotel_tls=factories.monitor("mirador-tls", asset=hotel, type="tls", state="degraded",
                                    spec={"host": "www.mirador.example"}),
        router_ping=factories.monitor("router-ping", asset=router, type="ping", state="up",
                                      spec={"host": "192.0.2.1"}),
        outsider_http=factories.monitor("outsider-http", asset=far, state="down",
                                        spec={"url": "https://www.outsider.example/"}),
    )


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request activates its user's language for the whole thread; later tests must not inherit it."""
    yield
    translation.deactivate()
