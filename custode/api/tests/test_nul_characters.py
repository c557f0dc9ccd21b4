"""A NUL character anywhere in a request is a 400 naming where, on SQLite and on PostgreSQL alike."""

import httpx

from custode.directory.models import Customer
from custode.testing import factories


def test_a_nul_in_a_key_of_the_path_is_a_400_naming_the_path(write_client):
    response = write_client.get("/customers/ac%00me")
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["path"]


def test_a_nul_in_a_filter_is_a_400_naming_the_query(write_client):
    response = write_client.get("/monitors", params={"customer": "acme\x00"})
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query"]


def test_a_nul_in_a_json_string_is_refused_and_nothing_is_saved(write_client):
    response = write_client.post("/customers", json={"id": "acme", "name": "Acme\x00 S.r.l."})
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert "NUL" in response.json()["detail"][0]["msg"]
    assert not Customer.objects.filter(key="acme").exists()


def test_an_escaped_backslash_before_u0000_is_plain_text_and_accepted(write_client):
    name = "Acme \\u0000 Labs"  # a backslash and the letters u0000: no NUL character
    response = write_client.post("/customers", json={"id": "acme", "name": name})
    assert response.status_code == 201
    assert Customer.objects.get(key="acme").name == name


def test_a_nul_in_a_status_page_path_is_a_400_in_plain_text(live_server, db):
    factories.customer("acme", name="Acme")
    response = httpx.get(f"{live_server.url}/status/x%00y")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
