"""Leases, retries and giving up: what makes the outbox deliver each message once, and never lose one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import at_once, enqueue
from custode.notify.tests.peers import SmtpServer
from custode.testing import factories


def test_backoff_starts_at_10s_doubles_and_stops_growing_at_an_hour():
    assert 9 <= delivery.backoff(1) <= 11
    assert 18 <= delivery.backoff(2) <= 22
    assert 72 <= delivery.backoff(4) <= 88
    assert 3240 <= delivery.backoff(30) <= 3960
    assert 3240 <= delivery.backoff(32767) <= 3960


@pytest.mark.django_db(transaction=True)
def test_two_deliverers_at_once_never_deliver_a_message_twice(smtp):
    keys = {enqueue().key for _ in range(40)}
    smtp.mailbox.rcpt_delay = 0.005

    def deliverer():
        while delivery.step(limit=5):
            pass

    assert at_once(deliverer) == []
    mails = smtp.mailbox.wait_for(40)
    assert len(mails) == 40
    assert len({mail["Message-ID"] for mail in mails}) == 40
    assert set(Message.objects.filter(status="sent", attempts=1).values_list("key", flat=True)) == keys


@pytest.mark.django_db
def test_a_message_whose_deliverer_died_is_delivered_once_its_lease_expires(smtp):
    message = enqueue()
    now = timezone.now()
    Message.objects.filter(pk=message.pk).update(lease="dead-deliverer", leased_until=now + timedelta(seconds=20))

    assert delivery.step(now=now) is False
    assert smtp.mailbox.messages == []

    assert delivery.step(now=now + timedelta(seconds=21)) is True
    assert delivery.step(now=now + timedelta(seconds=60)) is False
    assert len(smtp.mailbox.wait_for(1)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.lease, message.leased_until) == (
        Message.Status.SENT, 1, "", None)


@pytest.mark.django_db
def test_a_message_not_delivered_within_24_hours_fails_for_good(settings):
    settings.SMTP_URL = SmtpServer().url  # nothing listens there
    message = enqueue()
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=24, minutes=1),
                                                 attempts=17)
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.FAILED, 18)
    assert message.last_error.endswith("connection refused")


@pytest.mark.django_db
def test_the_last_retry_is_due_when_the_24_hours_end(settings):
    settings.SMTP_URL = SmtpServer().url  # nothing listens there
    message = enqueue()
    deadline = timezone.now() + timedelta(seconds=5)  # sooner than the mail server is tried again
    Message.objects.filter(pk=message.pk).update(created_at=deadline - timedelta(hours=24), attempts=12)
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 13)
    assert message.next_attempt_at == deadline


@pytest.mark.django_db
def test_a_message_that_fails_for_good_alerts_staff_once_and_that_alert_alerts_nobody(smtp, receiver):
    pytest.importorskip("custode.incidents.messages")
    factories.provider()
    factories.staff("giulia", name="Giulia Ferri", notify=["webhook+" + receiver.url + "/staff"])
    failing = enqueue(recipient="refused@example.com", topic="incident:7", customer_id=factories.customer().pk)

    delivery.step()
    failing.refresh_from_db()
    assert failing.status == Message.Status.FAILED
    assert failing.last_error.startswith("SMTP: recipient refused: 550")
    [alert] = Message.objects.filter(key__startswith=f"failed:{failing.pk}:")
    assert (alert.audience, alert.channel, alert.status) == ("staff", "webhook", Message.Status.PENDING)

    receiver.status = 404
    delivery.step()
    alert.refresh_from_db()
    assert alert.status == Message.Status.FAILED
    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_a_slow_server_makes_a_step_hand_back_what_it_did_not_start(smtp, monkeypatch):
    monkeypatch.setattr(delivery, "BUDGET", 0.1)
    smtp.mailbox.rcpt_delay = 0.2
    messages = [enqueue() for _ in range(4)]

    assert delivery.step() is True
    assert len(smtp.mailbox.messages) == 1
    waiting = Message.objects.filter(pk__in=[m.pk for m in messages[1:]])
    assert set(waiting.values_list("status", "attempts", "lease", "leased_until")) == {("pending", 0, "", None)}

    while delivery.step():
        pass
    assert len(smtp.mailbox.messages) == 4


@pytest.mark.django_db
def test_a_message_on_a_channel_custode_does_not_have_fails_at_once():
    message = enqueue(channel="pigeon")
    delivery.step()
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.FAILED, "no such channel: 'pigeon'")
