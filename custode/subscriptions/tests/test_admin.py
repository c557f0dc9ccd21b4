"""The public page's subscribers in the Django admin: listed with their status, searched, filtered, and
unsubscribed by the same service as their own link; nothing else is changed there."""

from __future__ import annotations

import re

import pytest

from custode.incidents.services import incident_open
from custode.notify.models import Message
from custode.subscriptions.models import Subscriber
from custode.subscriptions.tests.conftest import NOW, confirmed, signed_up
from custode.testing import factories

LIST = "/admin/subscriptions/subscriber/"


def column(html: str, name: str) -> list[str]:
    """The cells of the change list's column NAME, sorted."""
    return sorted(re.findall(rf'<td class="field-{name}[^"]*">([^<]+)</td>', html))


@pytest.fixture
def admin_client(client, world):
    client.force_login(factories.staff("root", superuser=True))
    return client


@pytest.fixture
def people(world):
    lucia = confirmed("email", "lucia@example.org", language="es")
    hook = confirmed("webhook", "https://hooks.example.net/custode", email="ops@example.net", language="en",
                     components=["core-router"])
    marco = signed_up("email", "marco@example.org", language="it")
    return lucia, hook, marco


def test_the_list_shows_each_subscriber_with_channel_language_and_status(admin_client, people):
    page = admin_client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    for address in ("lucia@example.org", "https://hooks.example.net/custode", "marco@example.org"):
        assert address in html
    assert column(html, "status") == ["Active", "Active", "Pending"]
    assert column(html, "channel") == ["E-mail", "E-mail", "Webhook"]
    assert column(html, "language") == ["en", "es", "it"]
    assert all(s.token not in html for s in people)


@pytest.mark.parametrize(("query", "found"), [
    ({"q": "lucia@"}, ["lucia@example.org"]),
    ({"q": "ops@example.net"}, ["https://hooks.example.net/custode"]),  # by the confirmation e-mail
    ({"channel__exact": "webhook"}, ["https://hooks.example.net/custode"]),
    ({"language__exact": "it"}, ["marco@example.org"]),
    ({"status": "pending"}, ["marco@example.org"]),
    ({"status": "active"}, ["lucia@example.org", "https://hooks.example.net/custode"]),
])
def test_the_list_is_searched_by_address_and_e_mail_and_filtered(admin_client, people, query, found):
    html = admin_client.get(LIST, query).content.decode()
    for address in ("lucia@example.org", "https://hooks.example.net/custode", "marco@example.org"):
        assert (address in html) == (address in found), address


def test_the_detail_shows_the_token_and_dates_and_nothing_can_be_edited_added_or_deleted(admin_client, people):
    lucia = people[0]
    page = admin_client.get(f"{LIST}{lucia.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert lucia.token in html and 'name="address"' not in html and 'name="token"' not in html
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}{lucia.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Subscriber.objects.filter(pk=lucia.pk).exists()


def test_unsubscribe_selected_stops_their_messages_and_keeps_them_listed(admin_client, people, world):
    lucia, hook, marco = people
    answer = admin_client.post(LIST, {"action": "unsubscribe_selected", "_selected_action": [lucia.pk, marco.pk]},
                               follow=True)
    assert answer.status_code == 200 and "Unsubscribed: 2" in answer.content.decode()
    assert Subscriber.objects.filter(unsubscribed_at__isnull=False).count() == 2
    assert Subscriber.objects.get(pk=lucia.pk).token == lucia.token
    listing = admin_client.get(LIST, {"status": "unsubscribed"}).content.decode()
    assert "lucia@example.org" in listing and "marco@example.org" in listing and "hooks.example.net" not in listing

    incident_open(root_asset=world.router, at=NOW)
    told = Message.objects.filter(audience="subscriber").exclude(topic__startswith="subscriber:")
    assert list(told.values_list("recipient", flat=True)) == ["https://hooks.example.net/custode"]


def test_the_list_offers_no_bulk_delete(admin_client, people):
    html = admin_client.get(LIST).content.decode()
    assert 'value="unsubscribe_selected"' in html and 'value="delete_selected"' not in html
