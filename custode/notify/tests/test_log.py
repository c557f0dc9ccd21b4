"""The delivery log: what was sent to whom, newest first, and the outbox in the admin, read-only."""

from __future__ import annotations

import pytest

from custode.notify.models import Message
from custode.notify.selectors import delivery_log
from custode.notify.tests.conftest import enqueue
from custode.testing import factories

pytestmark = pytest.mark.django_db


def test_the_log_is_newest_first_and_filters_by_topic_customer_and_status():
    bianchi, mirador = factories.customer(), factories.customer()
    first = enqueue(topic="incident:1", customer_id=bianchi.pk)
    second = enqueue(topic="incident:1", customer_id=mirador.pk)
    third = enqueue(topic="incident:2", customer_id=bianchi.pk)
    Message.objects.filter(pk=second.pk).update(status=Message.Status.FAILED)

    assert list(delivery_log()) == [third, second, first]
    assert list(delivery_log(topic="incident:1")) == [second, first]
    assert list(delivery_log(customer=bianchi)) == [third, first]
    assert list(delivery_log(customer=mirador.pk, status="failed")) == [second]
    assert list(delivery_log(topic="incident:1", status="sent")) == []


def test_an_unknown_status_is_refused_naming_the_valid_ones():
    with pytest.raises(ValueError, match="unknown status 'lost'; one of pending, sent, failed"):
        delivery_log(status="lost")


def test_the_admin_lists_the_outbox_and_changes_nothing(client):
    admin = factories.staff("root", superuser=True)
    client.force_login(admin)
    message = enqueue(recipient="anna@example.com", subject="Sito non raggiungibile")
    Message.objects.filter(pk=message.pk).update(last_error="SMTP 127.0.0.1:25: connection refused", attempts=2)

    listing = client.get("/admin/notify/message/?status__exact=pending")
    assert listing.status_code == 200
    assert b"anna@example.com" in listing.content and b"connection refused" in listing.content
    assert client.get("/admin/notify/message/add/").status_code == 403
    page = client.get(f"/admin/notify/message/{message.pk}/change/")
    assert page.status_code == 200 and b'name="subject"' not in page.content
    assert client.post(f"/admin/notify/message/{message.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()
