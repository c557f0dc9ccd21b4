"""Held messages over real HTTP: listed with ?status=held, released (delivered once by the notifier's step) or
discarded (never delivered) with a read-write token; every refusal a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import enqueue
from custode.notify.tests.peers import SmtpServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    """Three e-mails held while CUSTODE_SMTP_URL was not set; then it is, pointing to a real SMTP server."""
    server = SmtpServer()
    server.start()
    settings.SMTP_URL = ""
    for n in range(3):
        enqueue(recipient=f"held{n}@example.com", topic=f"incident:{n}")
    while delivery.step():
        pass
    settings.SMTP_URL = server.url
    yield server
    server.stop()


def drain() -> None:
    while delivery.step():
        pass


def held_ids() -> list[int]:
    return sorted(Message.objects.filter(status="held").values_list("id", flat=True))


def test_held_messages_are_listed_then_released_once_or_discarded_for_good(write_client, smtp):
    listed = write_client.get("/messages", params={"status": "held"}).json()
    assert listed["count"] == 3
    assert {m["last_error"] for m in listed["items"]} == {"CUSTODE_SMTP_URL is not set"}
    first, second, third = held_ids()

    released = write_client.post("/messages/release", json={"ids": [first]})
    assert released.status_code == 200 and released.json() == {"count": 1, "ids": [first]}
    discarded = write_client.post("/messages/discard", json={"filter": {"topic": "incident:1"}})
    assert discarded.json() == {"count": 1, "ids": [second]}
    drain()
    drain()
    assert [m["To"] for m in smtp.mailbox.messages] == ["held0@example.com"]
    assert Message.objects.get(pk=second).last_error == "discarded by tech"
    assert held_ids() == [third]

    again = write_client.post("/messages/release", json={"ids": [first]})
    assert again.status_code == 409 and f"message {first} is sent" in again.json()["detail"]
    assert write_client.post("/messages/release", json={"filter": {}}).json() == {"count": 1, "ids": [third]}


def test_a_read_only_token_may_not_release_or_discard(read_client, smtp):
    for decision in ("release", "discard"):
        assert read_client.post(f"/messages/{decision}", json={"ids": held_ids()}).status_code == 403
    assert len(held_ids()) == 3


@pytest.mark.parametrize("body, where, words", [
    ({"ids": [424242, 515151]}, ["body", "ids"], "no such message: 424242, 515151"),
    ({}, ["body", "ids"], "give either ids"),
    ({"ids": [1], "filter": {}}, ["body", "ids"], "give either ids"),
    ({"ids": []}, ["body", "ids"], "name at least one message"),
    ({"filter": {"customer": "nobody"}}, ["body", "filter", "customer"], "unknown customer 'nobody'"),
    ({"filter": {"channel": "pigeon"}}, ["body", "filter", "channel"], ""),
    ({"ids": ["one"]}, ["body", "ids", 0], ""),
])
def test_bad_decisions_are_422_naming_what_is_wrong_and_change_nothing(write_client, smtp, body, where, words):
    for decision in ("release", "discard"):
        answer = write_client.post(f"/messages/{decision}", json=body)
        assert answer.status_code == 422, answer.text
        [error] = answer.json()["detail"]
        assert error["loc"] == where and words in error["msg"]
    assert len(held_ids()) == 3


def test_staff_see_how_many_messages_are_held_and_send_or_discard_them_from_the_dashboard(client, tech, smtp):
    client.force_login(tech)
    html = client.get(reverse("dashboard")).content.decode()
    assert "3 messages are held because e-mail is not configured." in html
    assert 'action="/messages/held/release/"' in html and "csrfmiddlewaretoken" in html
    first, *rest = held_ids()

    answer = client.post(reverse("held-release"), {"ids": [first], "next": "/"})
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.post(reverse("held-discard"), {"next": "/"}).status_code == 302
    drain()
    assert [m["To"] for m in smtp.mailbox.messages] == ["held0@example.com"]
    assert set(Message.objects.filter(pk__in=rest).values_list("status", flat=True)) == {"discarded"}
    html = client.get(reverse("dashboard")).content.decode()
    assert "held because e-mail is not configured" not in html and "Discarded: 2; they will never be sent." in html

    refused = client.post(reverse("held-release"), {"ids": [first], "next": "/"}, follow=True)
    assert refused.status_code == 200 and f"message {first} is sent" in refused.content.decode()
