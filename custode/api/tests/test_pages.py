"""The API's lists page by key: `next` walks every item exactly once; `count` on the first page; errors name
the parameter."""

from __future__ import annotations

import pytest

from custode.monitors.models import Monitor
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def monitors(db) -> list[str]:
    """Eleven monitors, every third down, on two customers' assets; their keys in order."""
    sites = [factories.asset(customer=factories.customer(f"cust{n}")) for n in range(2)]
    keys = [f"mon{n:02}" for n in range(11)]
    for n, key in enumerate(keys):
        factories.monitor(key, asset=sites[n % 2], state="down" if n % 3 == 0 else "up")
    return keys


def _walk(client, path: str, **params) -> list[dict]:
    """Every page of PATH from the first, following `next`."""
    pages = [client.get(path, params=params).json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    return pages


def test_following_next_shows_every_monitor_once_in_key_order(read_client, monitors):
    pages = _walk(read_client, "/monitors", limit=4)
    assert [item["id"] for page in pages for item in page["items"]] == monitors
    assert [len(page["items"]) for page in pages] == [4, 4, 3]
    assert pages[1]["next"].endswith("/api/v1/monitors?limit=4&after=mon07")


def test_count_is_given_on_the_first_page_only(read_client, monitors):
    pages = _walk(read_client, "/monitors", limit=4)
    assert [page["count"] for page in pages] == [11, None, None]


def test_next_keeps_the_filters(read_client, monitors):
    pages = _walk(read_client, "/monitors", limit=2, state="down", customer="cust0")
    assert [item["id"] for page in pages for item in page["items"]] == ["mon00", "mon06"]
    assert all("state=down" in page["next"] and "customer=cust0" in page["next"] for page in pages[:-1])


def test_a_walk_goes_on_when_the_last_monitor_it_saw_is_deleted(read_client, monitors):
    first = read_client.get("/monitors", params={"limit": 3}).json()
    Monitor.objects.filter(key="mon02").delete()
    second = read_client.get(first["next"]).json()
    assert [item["id"] for item in second["items"]] == ["mon03", "mon04", "mon05"]


def test_a_list_ordered_by_name_pages_by_the_name_of_the_item_after_names(read_client):
    for key, name in [("k1", "Delta"), ("k2", "alpha"), ("k3", "Bravo"), ("k4", "Bravo"), ("k5", "Charlie")]:
        factories.customer(key, name=name)
    listed = [c["id"] for c in read_client.get("/customers").json()["items"]]
    walked = _walk(read_client, "/customers", limit=2)
    assert [c["id"] for page in walked for c in page["items"]] == listed
    assert walked[0]["next"].endswith(f"after={listed[1]}")


def test_offset_still_pages_and_its_next_continues_by_key(read_client, monitors):
    page = read_client.get("/monitors", params={"limit": 3, "offset": 6}).json()
    assert [item["id"] for item in page["items"]] == ["mon06", "mon07", "mon08"]
    assert (page["count"], page["offset"]) == (11, 6)
    assert [item["id"] for item in read_client.get(page["next"]).json()["items"]] == ["mon09", "mon10"]


@pytest.mark.parametrize("path, params, field, says", [
    ("/monitors", {"after": "mon03", "offset": 2}, "offset", "either offset or after"),
    ("/monitors", {"offset": 10_001}, "offset", "10000"),
    ("/customers", {"after": "nobody"}, "after", "no customer 'nobody'"),
    ("/contacts", {"after": "first"}, "after", "ids here are numbers"),
    ("/contacts", {"after": "9" * 30}, "after", "ids here are numbers"),
    ("/contacts", {"after": "12345"}, "after", "no contact '12345'"),
])
def test_a_bad_page_position_is_a_422_naming_the_parameter(read_client, monitors, path, params, field, says):
    response = read_client.get(path, params=params)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", field] and says in error["msg"]


def test_the_api_document_says_how_to_walk_a_list(anonymous):
    listing = anonymous.get("/openapi.json").json()["paths"]["/api/v1/monitors"]["get"]
    assert "`next`" in listing["description"] and "`count`" in listing["description"]
    assert "after" in [p["name"] for p in listing["parameters"]]
