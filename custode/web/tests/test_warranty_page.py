"""The staff page of warranties and licences: what expires within 90 days or has expired, soonest first, with an
Acknowledge button that stops an item's alerts until its date changes; bad input shows the error, stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from custode.assets import expiry_alerts
from custode.assets.models import ExpiryAcknowledgement, Licence
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(db):
    factories.provider(timezone="UTC")
    today = timezone.now().date()
    bianchi = factories.customer("bianchi", name="Studio Bianchi")
    nas = factories.asset("bianchi-nas", customer=bianchi, kind="nas", name="NAS ufficio",
                          warranty_until=today + dt.timedelta(days=20))
    Licence.objects.create(asset=nas, name="Veeam Backup", expires=today - dt.timedelta(days=40))
    factories.asset("vps-01", kind="server", name="vps-01", warranty_until=today + dt.timedelta(days=200))
    return today


def acknowledge(client, key: str, **data):
    return client.post(reverse("warranty-acknowledge", args=[key]), data)


def test_the_page_lists_what_expires_soon_and_what_expired_long_ago_soonest_first(staff_client, items):
    factories.asset("old-pc", kind="pc", name="Old PC", warranty_until=items - dt.timedelta(days=900))
    html = staff_client.get(reverse("warranties")).content.decode()
    assert html.index("Old PC") < html.index("Licence Veeam Backup") < html.rindex("<td>Warranty</td>")
    assert "NAS ufficio" in html and "Studio Bianchi" in html and "in 20 days" in html and "expired" in html
    assert "vps-01" not in html  # 200 days away
    assert html.count(">Acknowledge</button>") == 3


def test_acknowledging_moves_the_item_aside_and_stops_its_alerts(staff_client, tech, items):
    response = acknowledge(staff_client, "bianchi-nas", licence="Veeam Backup")
    assert response.status_code == 302
    page = staff_client.get(response.url).content.decode()
    assert "bianchi-nas: licence Veeam Backup acknowledged" in page
    assert page.count(">Acknowledge</button>") == 1 and "by tech," in page
    assert ExpiryAcknowledgement.objects.get().by == "tech"
    expiry_alerts.expiry_alerts_write(now=dt.datetime.combine(items, dt.time(12), dt.timezone.utc))  # from 08:00
    body = Message.objects.get(recipient="tech@example.com").body
    assert "garanzia" in body and "Veeam" not in body  # the provider's language: tech chose none


def test_acknowledging_the_warranty(staff_client, items):
    assert acknowledge(staff_client, "bianchi-nas").status_code == 302
    assert ExpiryAcknowledgement.objects.get().kind == "warranty"


@pytest.mark.parametrize(("key", "data", "status", "said"), [
    ("nowhere", {}, 404, "there is no asset nowhere"),
    ("bianchi-nas", {"licence": "Office"}, 400, "has no licence"),
    ("vps-01", {"licence": "Office"}, 400, "has no licence"),
])
def test_bad_input_shows_the_error_and_stores_nothing(staff_client, items, key, data, status, said):
    response = acknowledge(staff_client, key, **data)
    assert response.status_code == status and said in response.content.decode()
    assert not ExpiryAcknowledgement.objects.exists()


def test_an_asset_without_a_warranty_date_has_nothing_to_acknowledge(staff_client, items):
    factories.asset("pc-1", kind="pc")
    response = acknowledge(staff_client, "pc-1")
    assert response.status_code == 400 and "has no warranty_until" in response.content.decode()


def test_the_page_is_for_staff_only(client, items):
    assert client.get(reverse("warranties")).status_code == 302  # to the login page
    assert acknowledge(client, "bianchi-nas").status_code == 302
    assert not ExpiryAcknowledgement.objects.exists()


@pytest.mark.parametrize(("language", "title", "button"), [("it", "Garanzie e licenze", "Prendi visione"),
                                                         ("es", "Garantías y licencias", "Confirmar")])
def test_the_page_speaks_the_staff_members_language(client, items, language, title, button):
    client.force_login(factories.staff(language=language))
    html = client.get(reverse("warranties")).content.decode()
    assert title in html and button in html
