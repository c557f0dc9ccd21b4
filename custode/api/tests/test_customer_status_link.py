"""A customer's private status link in the API: shown as an absolute `status_url`, and given anew on request."""

from __future__ import annotations

import httpx
import pytest

from custode.directory.models import Customer
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_customer_carries_its_private_status_url_on_the_base_url(write_client, settings):
    settings.BASE_URL = "https://custode.example"
    customer = factories.customer("acme", name="Acme")
    expected = f"https://custode.example/status/c/{customer.status_token}/"
    assert write_client.get("/customers/acme").json()["status_url"] == expected
    assert write_client.get("/customers").json()["items"][0]["status_url"] == expected


def test_without_a_base_url_the_status_url_is_on_the_host_the_request_named(write_client, live_server, settings):
    settings.BASE_URL = ""
    customer = factories.customer("acme", name="Acme")
    status_url = write_client.get("/customers/acme").json()["status_url"]
    assert status_url == f"{live_server.url}/status/c/{customer.status_token}/"
    assert httpx.get(status_url).status_code == 200


def test_rotating_the_status_link_gives_a_new_url_and_the_old_one_404s_at_once(write_client, live_server, settings):
    settings.BASE_URL = live_server.url
    factories.provider()
    customer = factories.customer("acme", name="Acme")
    old = write_client.get("/customers/acme").json()["status_url"]
    assert httpx.get(old).status_code == 200

    response = write_client.post("/customers/acme/status-link")

    assert response.status_code == 200, response.text
    new = response.json()["status_url"]
    assert new != old and response.json()["id"] == "acme"
    assert new == f"{live_server.url}/status/c/{Customer.objects.get(pk=customer.pk).status_token}/"
    assert httpx.get(old).status_code == 404
    assert httpx.get(new).status_code == 200
    assert write_client.get("/customers/acme").json()["status_url"] == new


def test_a_read_only_token_cannot_rotate_the_status_link(read_client):
    customer = factories.customer("acme", name="Acme")
    response = read_client.post("/customers/acme/status-link")
    assert response.status_code == 403
    assert Customer.objects.get(pk=customer.pk).status_token == customer.status_token


def test_rotating_the_link_of_an_unknown_customer_is_404(write_client):
    response = write_client.post("/customers/nobody/status-link")
    assert response.status_code == 404
    assert "nobody" in response.json()["detail"]


@pytest.mark.parametrize("key", ["Bad Key!", "x" * 300, "%00", "é"])
def test_rotating_with_a_malformed_key_is_a_4xx_never_a_500(write_client, key):
    response = write_client.post(f"/customers/{key}/status-link")
    assert 400 <= response.status_code < 500 and response.json()["detail"]


def test_an_anonymous_caller_cannot_rotate_the_status_link(anonymous):
    factories.customer("acme", name="Acme")
    assert anonymous.post("/customers/acme/status-link").status_code == 401
