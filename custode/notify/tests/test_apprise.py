"""Apprise URLs delivered by the Apprise library to a real receiver on loopback."""

from __future__ import annotations

import json

import pytest

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import enqueue

pytestmark = pytest.mark.django_db


def test_a_json_url_receives_the_subject_as_title_and_the_body(receiver):
    url = "json://" + receiver.url.removeprefix("http://") + "/alerts"
    message = enqueue(channel="apprise", recipient=url, audience="staff", subject="Incidente #7: web-1 giù",
                      body="40 siti di 12 clienti coinvolti.")
    delivery.step()

    [request] = receiver.requests
    assert request.path == "/alerts"
    document = json.loads(request.body)
    assert (document["title"], document["message"]) == ("Incidente #7: web-1 giù", "40 siti di 12 clienti coinvolti.")
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)


def test_a_url_apprise_does_not_know_fails_at_once_saying_so():
    message = enqueue(channel="apprise", recipient="nonsense://somewhere/over")
    delivery.step()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "not a URL Apprise can deliver to (scheme 'nonsense')"


def test_a_service_that_does_not_take_it_is_tried_again_with_apprises_reason(receiver):
    receiver.status = 503
    message = enqueue(channel="apprise", recipient="json://" + receiver.url.removeprefix("http://") + "/")
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error.startswith("Apprise: ")
    assert "503" in message.last_error
    assert len(receiver.requests) == 1
