"""/customers/<id>/patches/: a customer's overdue assets first, every asset with an agent, the history; never
another customer's asset; in the technician's language."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from custode.agents.tests.conftest import enrolled, post, report
from custode.testing import factories

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture
def reported(world):
    """bianchi-site's security updates wait 9 days, bianchi-nas's 2 days (cleared once before), the outsider's 30."""
    now = timezone.now()
    sends = (("bianchi-site", 9, 2), ("bianchi-nas", 20, 4), ("bianchi-nas", 12, 0), ("bianchi-nas", 2, 1),
             ("outsider-site", 30, 8))
    credentials = {asset: enrolled(asset) for asset in ("bianchi-site", "bianchi-nas", "outsider-site")}
    for asset, age, security in sends:
        body = report(now - age * DAY, sent_at=now.isoformat(), updates={"pending": 10 + security, "security": security})
        assert post(f"/agent/{asset}/report", body, credentials[asset]).status_code == 200
    return world


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}"', 1)[1].split("</section>", 1)[0]


def test_the_page_shows_overdue_assets_first_then_every_asset_and_the_history(staff_client, reported):
    response = staff_client.get(reverse("customer-patches", args=["studio-bianchi"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Security updates pending for more than 1w are overdue" in html
    overdue = section(html, "overdue")
    assert "bianchi-site" in overdue and "bianchi-nas" not in overdue and "<strong>2</strong>" in overdue
    assets = section(html, "assets")
    assert assets.index("bianchi-nas") > assets.index("bianchi-site"), "most security updates first"
    history = section(html, "history")
    assert history.count('class="patch-record"') == 3 and history.count("still pending") == 2
    assert "outsider" not in html.lower()


def test_the_customer_page_links_to_it(staff_client, world):
    html = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert f'href="{reverse("customer-patches", args=["studio-bianchi"])}"' in html


def test_a_customer_without_agents_has_an_empty_page_and_an_unknown_one_is_404(staff_client, world):
    html = staff_client.get(reverse("customer-patches", args=["hotel-mirador"])).content.decode()
    assert "No asset of this customer has an agent." in html
    assert staff_client.get(reverse("customer-patches", args=["nobody"])).status_code == 404


def test_only_staff_see_it(client, reported):
    response = client.get(reverse("customer-patches", args=["studio-bianchi"]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("language, heading, overdue", [("it", "Patch: Studio Bianchi", "Asset in ritardo"),
                                                         ("es", "Parches: Studio Bianchi", "Activos atrasados")])
def test_a_technician_reads_it_in_their_language(client, reported, language, heading, overdue):
    client.force_login(factories.staff(language=language))
    html = client.get(reverse("customer-patches", args=["studio-bianchi"])).content.decode()
    assert f"<h1>{heading}</h1>" in html and overdue in html
