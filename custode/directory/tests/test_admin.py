"""The customer's page in the admin shows the private status link, read-only."""

import pytest

from custode.testing import factories

pytestmark = pytest.mark.django_db


def test_the_customer_change_page_shows_the_private_status_link_read_only(client, settings):
    settings.BASE_URL = "https://custode.example"
    customer = factories.customer("acme", name="Acme")
    client.force_login(factories.staff("root", superuser=True))
    html = client.get(f"/admin/directory/customer/{customer.pk}/change/").content.decode()
    url = f"https://custode.example/status/c/{customer.status_token}/"
    assert f'<a href="{url}">{url}</a>' in html
    assert 'name="status_token"' not in html


def test_the_add_customer_page_says_the_link_comes_with_saving(client):
    client.force_login(factories.staff("root", superuser=True))
    response = client.get("/admin/directory/customer/add/")
    assert response.status_code == 200 and "Given when the customer is saved." in response.content.decode()
