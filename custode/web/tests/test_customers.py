"""Staff pages of customers: the list, a customer's page with its private status link and its jobs' ping URLs."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from custode.directory.models import Customer
from custode.testing import factories

pytestmark = pytest.mark.django_db

BASE = "https://custode.example"


@pytest.fixture
def backup_job(world):
    nas = world.nas_ping.asset
    return factories.monitor("bianchi-backup", asset=nas, type="push", state="up", spec={})


def _links(html: str) -> list[str]:
    return re.findall(r'<input type="text" readonly value="([^"]+)"', html)


def test_the_customer_list_links_each_customer_to_its_page(staff_client, world):
    html = staff_client.get(reverse("customers")).content.decode()
    for customer in (world.bianchi, world.mirador, world.outsider):
        assert f'<a href="/customers/{customer.key}/">{customer.name}</a>' in html


def test_the_customer_page_shows_plan_contacts_assets_and_monitors_with_states(staff_client, world):
    world.bianchi.plan = factories.plan("gold", support_hours="mon-fri 09:00-18:00")
    world.bianchi.save()
    factories.contact(world.bianchi, name="Anna Bianchi", email="anna@studiobianchi.example", phone="+39 0521 111")
    html = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    for text in ("<h1>Studio Bianchi</h1>", "gold", "mon-fri 09:00-18:00", "Anna Bianchi", "anna@studiobianchi.example",
                 "+39 0521 111", "NAS ufficio", "www.studiobianchi.example", "bianchi-nas-ping",
                 'class="badge state-down">Down<', "no echo reply from 192.0.2.7"):
        assert text in html
    assert "outsider" not in html.lower() and "mirador" not in html.lower()


def test_the_customer_page_shows_the_private_status_link_and_the_ping_urls(staff_client, world, backup_job, settings):
    settings.BASE_URL = BASE
    html = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert _links(html) == [f"{BASE}/status/c/{world.bianchi.status_token}/", f"{BASE}/ping/{backup_job.push_token}"]
    assert html.count("data-copy data-copied") == 2


def test_without_a_base_url_the_links_are_on_the_host_the_page_was_asked_on(staff_client, world, backup_job, settings):
    settings.BASE_URL = ""
    html = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert _links(html) == [f"http://testserver/status/c/{world.bianchi.status_token}/",
                            f"http://testserver/ping/{backup_job.push_token}"]


def test_the_dashboard_shows_each_push_monitors_ping_url_and_links_customer_names(staff_client, world, backup_job,
                                                                                  settings):
    settings.BASE_URL = BASE
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert f'value="{BASE}/ping/{backup_job.push_token}"' in html
    assert f'<a href="{reverse("customer", args=["studio-bianchi"])}">Studio Bianchi</a>' in html
    assert f'<a href="{reverse("customers")}">Customers</a>' in html


def test_new_link_gives_a_new_private_status_link_and_the_old_one_404s(staff_client, world):
    factories.provider()
    old = world.bianchi.status_token
    assert staff_client.get(f"/status/c/{old}/").status_code == 200
    page = staff_client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert "The old link stops working at once" in page and 'name="csrfmiddlewaretoken"' in page

    response = staff_client.post(reverse("customer-status-link", args=["studio-bianchi"]))

    assert response.status_code == 302
    new = Customer.objects.get(pk=world.bianchi.pk).status_token
    assert new != old
    assert staff_client.get(f"/status/c/{old}/").status_code == 404
    assert staff_client.get(f"/status/c/{new}/").status_code == 200
    html = staff_client.get(response["Location"]).content.decode()
    assert f"/status/c/{new}/" in html and "The old link no longer works." in html
    assert Customer.objects.get(pk=world.mirador.pk).status_token == world.mirador.status_token


def test_new_link_refuses_a_get(staff_client, world):
    old = world.bianchi.status_token
    assert staff_client.get(reverse("customer-status-link", args=["studio-bianchi"])).status_code == 405
    assert Customer.objects.get(pk=world.bianchi.pk).status_token == old


def test_new_link_needs_the_csrf_token(client, tech, world):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(tech)
    assert csrf_client.post(reverse("customer-status-link", args=["studio-bianchi"])).status_code == 403
    assert Customer.objects.get(pk=world.bianchi.pk).status_token == world.bianchi.status_token


@pytest.mark.parametrize(("name", "method"), [
    ("customers", "get"), ("customer", "get"), ("customer-status-link", "post"),
])
def test_an_outsider_not_logged_in_is_sent_to_login(client, world, name, method):
    url = reverse(name, args=["studio-bianchi"]) if name != "customers" else reverse(name)
    response = getattr(client, method)(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
    assert Customer.objects.get(pk=world.bianchi.pk).status_token == world.bianchi.status_token


def test_a_logged_in_user_who_is_not_staff_is_403(client, world):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("customer-user", password="x"))
    assert client.get(reverse("customer", args=["studio-bianchi"])).status_code == 403
    assert client.post(reverse("customer-status-link", args=["studio-bianchi"])).status_code == 403
    assert Customer.objects.get(pk=world.bianchi.pk).status_token == world.bianchi.status_token


@pytest.mark.parametrize("key", ["nobody", "Bad Key!", "x" * 300, "é"])
def test_an_unknown_customer_is_404_on_its_page_and_its_new_link(staff_client, world, key):
    assert staff_client.get(reverse("customer", args=[key])).status_code == 404
    assert staff_client.post(reverse("customer-status-link", args=[key])).status_code == 404


def test_the_customer_page_query_count_does_not_grow_with_assets_and_monitors(staff_client, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("customer", args=["studio-bianchi"])).status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        asset = factories.asset(f"extra-{n}", customer=world.bianchi)
        factories.monitor(f"extra-{n}-push", asset=asset, type="push", spec={})
        factories.contact(world.bianchi)
    assert count() == few


@pytest.mark.parametrize(("language", "heading", "button"), [
    ("it", "Link privato allo stato", "Nuovo link"),
    ("es", "Enlace privado de estado", "Nuevo enlace"),
])
def test_a_technician_reads_the_customer_page_in_their_language(client, world, language, heading, button):
    client.force_login(factories.staff(language=language))
    html = client.get(reverse("customer", args=["studio-bianchi"])).content.decode()
    assert f">{heading}</h2>" in html and f">{button}</button>" in html
