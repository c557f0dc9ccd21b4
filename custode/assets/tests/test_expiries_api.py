"""The API of warranties and licences: any staff token reads an asset's, a read-write one acknowledges (alerts
stop until the date changes), a read-only one gets 403, a customer's token only reads its own; bad input is 4xx
and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from custode.accounts.services import token_create
from custode.assets import expiry_alerts
from custode.assets.models import ExpiryAcknowledgement, Licence
from custode.notify.models import Message
from custode.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    factories.provider(timezone="UTC")
    factories.staff("tech")
    bianchi = factories.customer("bianchi", name="Studio Bianchi")
    outsider = factories.customer("outsider", name="Zeta Outsider")
    today = timezone.now().date()
    nas = factories.asset("bianchi-nas", customer=bianchi, kind="nas", warranty_until=today + dt.timedelta(days=20))
    Licence.objects.create(asset=nas, name="Veeam Backup", expires=today - dt.timedelta(days=2), seats=5)
    factories.asset("bianchi-pc", customer=bianchi, kind="pc")
    factories.asset("outsider-nas", customer=outsider, kind="nas", warranty_until=today)
    return today


def alerts_at_noon(today: dt.date) -> None:
    """The notifier's expiries step, at noon of TODAY (it tells from 08:00 of the provider's day)."""
    expiry_alerts.expiry_alerts_write(now=dt.datetime.combine(today, dt.time(12), dt.timezone.utc))


def api(method: str, path: str, body: str | None = None, *, write: bool = True, **token):
    _, secret = token_create(username="tech", can_write=write, **token)
    call = getattr(Client(), method)
    extra = {"data": body, "content_type": "application/json"} if body is not None else {}
    return call(f"/api/v1/assets{path}", HTTP_AUTHORIZATION=f"Bearer {secret}", **extra)


def test_a_read_only_token_reads_an_assets_warranty_and_licences_with_their_alerts(world):
    alerts_at_noon(world)
    response = api("get", "/bianchi-nas/expiries", write=False)
    assert response.status_code == 200, response.content
    listed = [(e["kind"], e["name"], e["days_left"], e["expired"], e["last_alert"], e["seats"]) for e in response.json()]
    assert listed == [("licence", "Veeam Backup", -2, True, "expired", 5), ("warranty", "", 20, False, "30d", None)]


def test_acknowledging_a_warranty_stops_its_alerts_until_the_date_changes(world):
    response = api("post", "/bianchi-nas/warranty/acknowledge")
    assert response.status_code == 200, response.content
    assert response.json()["acknowledged_by"] == "tech" and response.json()["expires"] == str(
        world + dt.timedelta(days=20))
    again = api("post", "/bianchi-nas/warranty/acknowledge")
    assert again.json()["acknowledged_at"] == response.json()["acknowledged_at"]  # the first one stays
    alerts_at_noon(world)
    assert "warranty" not in Message.objects.get(recipient="tech@example.com").body
    listed = {e["kind"]: e for e in api("get", "/bianchi-nas/expiries", write=False).json()}
    assert listed["warranty"]["acknowledged_by"] == "tech" and listed["warranty"]["last_alert"] is None


def test_acknowledging_a_licence_by_its_name(world):
    response = api("post", "/bianchi-nas/licences/acknowledge", '{"licence": "Veeam Backup"}')
    assert response.status_code == 200, response.content
    assert (response.json()["kind"], response.json()["name"]) == ("licence", "Veeam Backup")
    alerts_at_noon(world)
    assert "Veeam" not in Message.objects.get(recipient="tech@example.com").body


@pytest.mark.parametrize(("path", "body", "status", "said"), [
    ("/bianchi-pc/warranty/acknowledge", None, 409, "has no warranty_until"),
    ("/nowhere/warranty/acknowledge", None, 404, "asset 'nowhere' does not exist"),
    ("/bianchi-nas/licences/acknowledge", '{"licence": "Office"}', 422, "has no licence 'Office'"),
    ("/bianchi-nas/licences/acknowledge", "{}", 422, "is required"),
    ("/bianchi-nas/licences/acknowledge", '{"licence": ""}', 422, "licence"),
    ("/bianchi-nas/licences/acknowledge", '{"licence": "Veeam Backup", "by": "x"}', 422, "unknown key"),
    ("/bianchi-nas/licences/acknowledge", '["Veeam Backup"]', 422, "must be a JSON object"),
    ("/bianchi-nas/licences/acknowledge", '{"licence": ', 400, "not JSON"),
])
def test_bad_input_is_a_4xx_naming_what_and_nothing_is_acknowledged(world, path, body, status, said):
    response = api("post", path, body)
    assert response.status_code == status, response.content
    assert said in response.content.decode()
    assert not ExpiryAcknowledgement.objects.exists()


def test_a_read_only_token_cannot_acknowledge(world):
    response = api("post", "/bianchi-nas/warranty/acknowledge", write=False)
    assert response.status_code == 403 and "read-only" in response.json()["detail"]
    assert not ExpiryAcknowledgement.objects.exists()


def test_a_customers_token_reads_its_own_never_anothers_and_acknowledges_nothing(world):
    assert api("get", "/bianchi-nas/expiries", write=False, customer="bianchi").status_code == 200
    assert api("get", "/outsider-nas/expiries", write=False, customer="bianchi").status_code == 404
    assert api("post", "/bianchi-nas/warranty/acknowledge", customer="bianchi").status_code == 403
    assert not ExpiryAcknowledgement.objects.exists()
