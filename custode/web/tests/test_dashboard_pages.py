"""The dashboard pages by key: its links walk every monitor exactly once, either way, with the filters kept.

Each walk runs twice: with the monitors sorted by one query (few of them match), and walked asset by asset
(many match), which must give the same pages.
"""

import base64
import html
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custode.monitors.models import Monitor
from custode.testing import factories
from custode.web import selectors, views

pytestmark = pytest.mark.django_db

SIZE = 7


@pytest.fixture(params=["sorted", "walked"])
def paging(request, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", SIZE)
    monkeypatch.setattr(selectors, "SORT_AT_MOST", 10_000 if request.param == "sorted" else 0)


@pytest.fixture
def fleet(db) -> list[str]:
    """Monitors over two customers with the same name, one more customer, and the infrastructure: assets with
    the same name, an empty one, and one holding more than two pages; their keys in the dashboard's order."""
    twins = [factories.customer(f"twin{n}", name="Alfa") for n in range(2)]
    zeta = factories.customer("zeta", name="Zeta")
    order = []
    for owner, assets in ((None, [("core", 3)]), (twins[0], [("www", 2), ("db", 0), ("www", 3)]),
                          (twins[1], [("app", 20)]), (zeta, [("nas", 1), ("mail", 4)])):
        made = [(name, factories.asset(customer=owner, name=name), count) for name, count in assets]
        for name, asset, count in sorted(made, key=lambda m: (m[0], m[1].pk)):
            keys = [f"m{asset.pk:03}{n:02}" for n in range(count)]
            for n, key in enumerate(keys):
                factories.monitor(key, asset=asset, state="down" if n % 3 == 0 else "up")
            order += sorted(keys)
    return order


def _walk(client, rel: str, start: dict) -> list[list[str]]:
    """The monitor keys of each page, from START following the REL links until there is none."""
    pages, response = [], client.get(reverse("dashboard"), start)
    while True:
        assert response.status_code == 200
        pages.append([m.key for m in response.context["page"].rows])
        link = re.search(rf'<a rel="{rel}" href="([^"]+)"', response.content.decode())
        if link is None:
            return pages
        response = client.get(reverse("dashboard") + html.unescape(link.group(1)))


def test_next_links_show_every_monitor_once_in_order(staff_client, fleet, paging):
    pages = _walk(staff_client, "next", {})
    assert [key for page in pages for key in page] == fleet
    assert all(len(page) == SIZE for page in pages[:-1])


def test_previous_links_from_the_last_page_show_every_monitor_once_in_order(staff_client, fleet, paging):
    pages = _walk(staff_client, "prev", {"last": "1"})
    assert [key for page in reversed(pages) for key in page] == fleet
    assert pages[0] == fleet[-len(pages[0]):] and all(len(page) == SIZE for page in pages[:-1])


def test_a_page_in_the_middle_goes_back_to_the_page_before_it(staff_client, fleet, paging):
    first = staff_client.get(reverse("dashboard")).content.decode()
    second = staff_client.get(reverse("dashboard") + html.unescape(re.search(r'rel="next" href="([^"]+)"', first)[1]))
    back = html.unescape(re.search(r'rel="prev" href="([^"]+)"', second.content.decode())[1])
    assert [m.key for m in staff_client.get(reverse("dashboard") + back).context["page"].rows] == fleet[:SIZE]
    assert 'rel="first"' in second.content.decode() and 'rel="first"' not in first


def test_the_last_page_has_no_next_or_last_link(staff_client, fleet, paging):
    response = staff_client.get(reverse("dashboard"), {"last": "1"})
    text = response.content.decode()
    assert [m.key for m in response.context["page"].rows] == fleet[-SIZE:]
    assert 'rel="next"' not in text and 'rel="last"' not in text and 'rel="prev"' in text


@pytest.mark.parametrize("query", [{"state": "down"}, {"customer": "twin1"}, {"customer": "zeta", "state": "up"}])
def test_filters_hold_on_every_page_both_ways(staff_client, fleet, paging, query):
    matching = Monitor.objects.filter(**{"state" if name == "state" else "asset__customer__key": value
                                         for name, value in query.items()})
    wanted = [key for key in fleet if key in set(matching.values_list("key", flat=True))]
    forward = _walk(staff_client, "next", query)
    backward = _walk(staff_client, "prev", {**query, "last": "1"})
    assert [key for page in forward for key in page] == wanted
    assert [key for page in reversed(backward) for key in page] == wanted


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize("param, value", [
    ("after", "not-a-cursor"), ("before", "%%%"), ("after", _cursor([1, "Alfa"])),
    ("before", _cursor(["1", "Alfa", 1, "www", 1, "k"])), ("after", _cursor({"a": 1})), ("after", "w6k"),
])
def test_a_malformed_cursor_is_a_400_naming_the_parameter(staff_client, fleet, param, value):
    response = staff_client.get(reverse("dashboard"), {param: value})
    assert response.status_code == 400
    assert re.search(rf'<div class="error" role="alert"><p>{param}: .*is not a cursor of this list',
                     response.content.decode())


def test_a_cursor_of_a_monitor_deleted_meanwhile_still_finds_the_next_page(staff_client, fleet, paging):
    cursor = selectors.monitor_cursor(selectors.monitor_rows().get(key=fleet[3]))
    Monitor.objects.filter(key=fleet[3]).delete()
    response = staff_client.get(reverse("dashboard"), {"after": cursor})
    assert [m.key for m in response.context["page"].rows] == fleet[4 : 4 + SIZE]


@pytest.mark.parametrize(("language", "words"), [
    ("it", ["Prima", "Precedente", "Successiva", "Ultima"]), ("es", ["Primera", "Anterior", "Siguiente", "Última"]),
])
def test_the_page_links_speak_the_technicians_language(client, fleet, paging, language, words):
    client.force_login(factories.staff(language=language))
    first = client.get(reverse("dashboard")).content.decode()
    second = client.get(reverse("dashboard") + html.unescape(re.search(r'rel="next" href="([^"]+)"', first)[1]))
    links = re.findall(r'<a rel="(?:first|prev|next|last)" href="[^"]+">([^<]+)</a>', second.content.decode())
    assert [re.sub(r"[^\w]", "", link) for link in links] == words


def test_a_dashboard_page_only_reads_so_it_never_holds_the_lock_the_engines_writes_need(staff_client, fleet, paging):
    with CaptureQueriesContext(connection) as queries:
        staff_client.get(reverse("dashboard"), {"state": "down", "last": "1"})
    assert queries.captured_queries
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)
