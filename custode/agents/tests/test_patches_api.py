"""GET /api/v1/customers/<id>/patches: a customer's overdue assets, every asset with an agent and the history, for
any staff token (read-only too) and a token of that customer; never another customer's; bad input is 4xx."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from custode.accounts.services import token_create
from custode.agents.tests.conftest import enrolled, post, report
from custode.testing import factories

DAY = dt.timedelta(days=1)


@pytest.fixture
def world(server):
    outsider = factories.customer("outsider", name="Zeta Outsider")
    factories.asset("outsider-srv", customer=outsider, kind="server", name="Server Outsider")
    now = timezone.now()
    for asset, age, security in (("bianchi-srv", 8, 2), ("bianchi-nas", 3, 1), ("outsider-srv", 30, 9)):
        body = report(now - age * DAY, sent_at=now.isoformat(), updates={"pending": 7, "security": security})
        assert post(f"/agent/{asset}/report", body, enrolled(asset)).status_code == 200
    factories.staff("tech")
    return now


def client(**token):
    _, secret = token_create(username="tech", can_write=False, **token)
    return lambda path: Client().get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_a_read_only_token_reads_the_overdue_assets_first_then_all_and_the_history(world):
    response = client()("/customers/bianchi/patches")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["customer"] == "bianchi" and body["older_than"] == "1w"
    assert [(row["asset"], row["security"], row["overdue"]) for row in body["overdue"]] == [("bianchi-srv", 2, True)]
    since = dt.datetime.fromisoformat(body["overdue"][0]["since"])
    assert abs(since - (world - 8 * DAY)) < dt.timedelta(milliseconds=1), "the API gives milliseconds"
    assert [(row["asset"], row["overdue"]) for row in body["assets"]] == [("bianchi-srv", True), ("bianchi-nas", False)]
    assert [row["asset"] for row in body["history"]] == ["bianchi-nas", "bianchi-srv"]
    assert "outsider" not in response.content.decode()


def test_older_than_overrides_the_grace(world):
    body = client()("/customers/bianchi/patches?older_than=2d").json()
    assert body["older_than"] == "2d" and [row["asset"] for row in body["overdue"]] == ["bianchi-srv", "bianchi-nas"]


def test_a_token_of_the_customer_reads_its_own_and_another_customer_is_404(world):
    get = client(customer="bianchi")
    assert get("/customers/bianchi/patches").status_code == 200
    response = get("/customers/outsider/patches")
    assert response.status_code == 404 and "outsider" in response.json()["detail"]


@pytest.mark.parametrize("query", ["older_than=soon", "older_than=-1d", "older_than=99999999999999999999d",
                                   "older_than=3651d"])
def test_a_bad_older_than_is_422_naming_it(world, query):
    response = client()(f"/customers/bianchi/patches?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"] == ["query", "older_than"]


def test_an_unknown_customer_is_404(world):
    response = client()("/customers/nobody/patches")
    assert response.status_code == 404 and "nobody" in response.json()["detail"]
