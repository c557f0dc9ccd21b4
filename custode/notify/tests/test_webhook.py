"""Webhooks POSTed to a real HTTP receiver on loopback, signed so the receiver can trust them."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from custode.notify import delivery, signing
from custode.notify.models import Message
from custode.notify.tests.conftest import enqueue
from custode.testing.asgi_server import free_port

pytestmark = pytest.mark.django_db

PAYLOAD = {"event": "incident.opened", "incident": {"id": 7, "title": "Server web-1 non raggiungibile"},
           "customer": {"id": "studio-bianchi", "name": "Studio Bianchi"},
           "text": {"subject": "Problema in corso", "body": "Stiamo lavorando: è colpa del server."}}


def webhook(receiver, **fields) -> Message:
    return enqueue(channel="webhook", recipient=receiver.url + "/hooks/custode", payload=PAYLOAD,
                   key="incident:7:opened:contact:3:webhook:x", **fields)


def test_the_receiver_gets_the_payload_signed_with_the_install_secret(receiver):
    webhook(receiver)
    delivery.step()

    [request] = receiver.requests
    assert request.path == "/hooks/custode"
    assert json.loads(request.body) == PAYLOAD
    assert "è colpa".encode() in request.body and b'"event":"incident.opened",' in request.body  # compact UTF-8
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Custode-Event"] == "incident.opened"
    assert request.headers["X-Custode-Delivery"] == "incident:7:opened:contact:3:webhook:x"
    assert signing.verify(request.body, request.headers["X-Custode-Signature"])
    assert not signing.verify(request.body.replace(b"7", b"8"), request.headers["X-Custode-Signature"])
    assert not signing.verify(request.body, None)
    assert Message.objects.get().status == Message.Status.SENT


def test_custode_webhook_secret_is_the_hmac_key_when_set(receiver, settings):
    settings.WEBHOOK_SECRET = "shared-with-the-receiver"
    webhook(receiver)
    delivery.step()
    [request] = receiver.requests
    expected = hmac.new(b"shared-with-the-receiver", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Custode-Signature"] == f"sha256={expected}"


def test_without_a_secret_set_each_install_signs_with_one_derived_from_its_secret_key(settings):
    settings.WEBHOOK_SECRET = ""
    first = signing.sign(b"{}")
    settings.SECRET_KEY = "another-install-" * 4
    assert signing.sign(b"{}") != first
    assert signing.secret() != settings.SECRET_KEY.encode()


def test_a_500_is_tried_again_and_then_delivered(receiver):
    message = webhook(receiver)
    receiver.status = 500
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error == "webhook 127.0.0.1 answered 500 Internal Server Error"

    receiver.status = 204
    delivery.step(now=message.next_attempt_at)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 2, "")
    assert len(receiver.requests) == 2
    assert receiver.requests[0].headers["X-Custode-Delivery"] == receiver.requests[1].headers["X-Custode-Delivery"]


def test_a_receiver_that_cannot_be_reached_is_tried_by_one_message_while_others_for_it_wait(receiver):
    url = f"http://127.0.0.1:{free_port()}/hooks/custode"  # nothing listens there
    for n in range(3):
        enqueue(channel="webhook", recipient=url, payload=PAYLOAD, key=f"incident:7:opened:contact:{n}:webhook:x")
    elsewhere = webhook(receiver)
    delivery.step()
    assert sorted(Message.objects.filter(recipient=url).values_list("attempts", flat=True)) == [0, 0, 1]
    assert "connection refused" in Message.objects.filter(recipient=url, attempts=1).get().last_error
    assert Message.objects.get(pk=elsewhere.pk).status == Message.Status.SENT  # another peer is not held up


@pytest.mark.parametrize("status, outcome", [(404, Message.Status.FAILED), (410, Message.Status.FAILED),
                                             (429, Message.Status.PENDING), (408, Message.Status.PENDING)])
def test_a_4xx_fails_at_once_except_timeout_and_too_many_requests(receiver, status, outcome):
    message = webhook(receiver)
    receiver.status = status
    delivery.step()
    message.refresh_from_db()
    assert message.status == outcome
    assert message.last_error.startswith(f"webhook 127.0.0.1 answered {status} ")


def test_a_receiver_that_is_not_there_is_tried_again(refused_port):
    message = enqueue(channel="webhook", recipient=f"http://127.0.0.1:{refused_port}/", payload=PAYLOAD)
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.PENDING, "webhook 127.0.0.1: connection refused")


def test_a_webhook_url_that_is_not_http_fails_at_once():
    message = enqueue(channel="webhook", recipient="ftp://files.example/", payload=PAYLOAD)
    delivery.step()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.last_error == "a webhook URL must be http:// or https:// with a host"


def test_a_subscribers_webhook_that_now_resolves_inward_is_refused_at_delivery(receiver, settings):
    """Checked public at sign-up, the name may point at loopback by delivery time (DNS rebinding)."""
    settings.SUBSCRIBER_WEBHOOKS = "public"
    message = webhook(receiver, audience="subscriber")
    delivery.step()
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and not receiver.requests
    assert "127.0.0.1 is not a public Internet address" in message.last_error


def test_a_subscribers_webhook_on_loopback_is_delivered_where_the_provider_allows_any(receiver, settings):
    settings.SUBSCRIBER_WEBHOOKS = "any"
    webhook(receiver, audience="subscriber")
    delivery.step()
    assert len(receiver.requests) == 1 and Message.objects.get().status == Message.Status.SENT


def test_the_providers_own_webhooks_may_be_on_its_network(receiver, settings):
    settings.SUBSCRIBER_WEBHOOKS = "public"
    webhook(receiver, audience="staff")
    delivery.step()
    assert len(receiver.requests) == 1
