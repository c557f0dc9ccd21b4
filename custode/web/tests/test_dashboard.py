import re

import pytest
from django.urls import reverse

from custode.testing import factories

pytestmark = pytest.mark.django_db


def _keys(response) -> list[str]:
    return [m.key for m in response.context["page"].rows]


def _groups(html: str) -> list[str]:
    groups = re.findall(r'<tr class="group-customer">\s*<th[^>]*>(.*?)</th>', html, re.S)
    return [re.sub(r"<[^>]+>", "", g).strip() for g in groups]


def test_dashboard_shows_customers_assets_monitors_and_their_states(staff_client, world):
    html = staff_client.get(reverse("dashboard")).content.decode()
    for text in ("Studio Bianchi", "Hotel Mirador", "NAS ufficio", "www.mirador.example", "bianchi-nas-ping",
                 "nas.bianchi.example", "https://www.studiobianchi.example/", "no echo reply from 192.0.2.7",
                 "123 ms", 'class="badge state-down">Down<', 'class="badge state-degraded">Degraded<'):
        assert text in html


def test_infrastructure_comes_first_then_customers_by_name(staff_client, world):
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert _groups(html) == ["Infrastructure", "Hotel Mirador", "Studio Bianchi", "Zeta Outsider"]


def test_summary_counts_monitors_by_state(staff_client, world):
    counts = staff_client.get(reverse("dashboard")).context["counts"]
    assert counts["total"] == 5
    assert {state: n for state, _, n in counts["states"]} == {
        "up": 2, "down": 2, "degraded": 1, "paused": 0, "maintenance": 0, "unknown": 0, "error": 0,
    }


def test_filter_by_customer_shows_only_that_customers_monitors(staff_client, world):
    response = staff_client.get(reverse("dashboard"), {"customer": "studio-bianchi"})
    html = response.content.decode()
    assert _keys(response) == ["bianchi-nas-ping", "bianchi-http"]
    assert "outsider-http" not in html and "www.outsider.example/" not in html
    assert response.context["counts"]["total"] == 2


def test_filter_by_state_shows_only_monitors_in_that_state(staff_client, world):
    response = staff_client.get(reverse("dashboard"), {"state": "down"})
    assert _keys(response) == ["bianchi-nas-ping", "outsider-http"]


def test_filters_combine(staff_client, world):
    response = staff_client.get(reverse("dashboard"), {"customer": "studio-bianchi", "state": "up"})
    assert _keys(response) == ["bianchi-http"]


@pytest.mark.parametrize("query", [{"state": "on-fire"}, {"customer": "nobody-by-this-key"}])
def test_an_unknown_filter_value_is_a_400_with_the_form_error(staff_client, world, query):
    response = staff_client.get(reverse("dashboard"), query)
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert "outsider-http" not in response.content.decode()


def test_pagination_keeps_the_filters(staff_client, world):
    site = factories.asset(customer=world.bianchi, name="many.example")
    for n in range(150):
        factories.monitor(f"many-{n:03}", asset=site, state="down")
    first = staff_client.get(reverse("dashboard"), {"customer": "studio-bianchi", "state": "down"})
    html = first.content.decode()
    assert len(first.context["page"].rows) == 100
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "customer=studio-bianchi" in next_link and "state=down" in next_link and "after=" in next_link

    second = staff_client.get(reverse("dashboard") + next_link)
    keys = _keys(second)
    assert len(keys) == 51
    assert "outsider-http" not in keys and "bianchi-http" not in keys
    assert 'rel="prev"' in second.content.decode()


def test_summary_links_keep_the_customer_filter_and_drop_the_page(staff_client, world):
    html = staff_client.get(reverse("dashboard"), {"customer": "hotel-mirador", "page": "1"}).content.decode()
    assert 'href="?customer=hotel-mirador&amp;state=down"' in html


def test_an_empty_database_tells_how_to_add_monitors(staff_client):
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert "custode apply -f custode.yaml" in response.content.decode()


def test_a_filter_that_matches_nothing_says_so(staff_client, world):
    html = staff_client.get(reverse("dashboard"), {"state": "maintenance"}).content.decode()
    assert "No monitors match these filters" in html
    assert "custode apply" not in html


def test_the_stylesheet_is_served(staff_client):
    html = staff_client.get(reverse("dashboard")).content.decode()
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert href.endswith("web/custode.css")
    response = staff_client.get(href)
    assert response.status_code == 200
    assert b".badge" in b"".join(response.streaming_content)


def test_a_push_monitor_shows_the_jobs_last_output_escaped_and_cut(staff_client, world):
    nas = world.nas_ping.asset
    factories.monitor("bianchi-backup", asset=nas, type="push", spec={"grace": "1h"}, state="down",
                      last_reason="the job exited with code 3", last_ping_body="rsync: <b>disk full</b>\n" + "x" * 5000)
    html = staff_client.get(reverse("dashboard")).content.decode()
    output = re.search(r'<details class="output"><summary>Last output</summary><pre>(.*?)</pre>', html, re.S).group(1)
    assert output.startswith("rsync: &lt;b&gt;disk full&lt;/b&gt;\nxxx")
    assert output.endswith("x…") and len(output) < 2100
    assert html.count('<details class="output">') == 1  # monitors with no output show none
