"""GET /api/v1/tickets page by page: `next` carries the last ticket's id, and following it meets every ticket
once in the queue's order; `count` only on the first page; a bad `after` is a 422 naming it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from custode.testing import factories
from custode.tickets import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(tech):
    factories.provider(timezone="Europe/Rome")
    factories.customer("acme", plan=factories.plan("always", first_response={"default": 3600}))
    factories.customer("free")
    for n in range(7):
        services.ticket_open(customer="acme" if n % 2 else "free", subject=f"Request {n}", body="x",
                             now=timezone.now())


def test_following_next_meets_every_ticket_once_in_the_queue_s_order(read_client, desk):
    whole = read_client.get("/tickets", params={"limit": 100}).json()
    assert whole["count"] == 7 and whole["next"] is None
    seen, page = [], read_client.get("/tickets", params={"limit": 3}).json()
    assert page["count"] == 7
    while True:
        seen += [item["number"] for item in page["items"]]
        if not page["next"]:
            break
        page = read_client.get(page["next"]).json()
        assert page["count"] is None
    assert seen == [item["number"] for item in whole["items"]]


def test_an_offset_still_reads_the_first_pages(read_client, desk):
    whole = [i["number"] for i in read_client.get("/tickets").json()["items"]]
    page = read_client.get("/tickets", params={"offset": 2, "limit": 3}).json()
    assert [i["number"] for i in page["items"]] == whole[2:5] and page["next"]


@pytest.mark.parametrize("params", [{"after": "nope"}, {"after": "999999"}, {"after": "1", "offset": "2"}])
def test_a_bad_after_is_a_422_naming_it(read_client, desk, params):
    answer = read_client.get("/tickets", params=params)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][-1] in ("after", "offset")
