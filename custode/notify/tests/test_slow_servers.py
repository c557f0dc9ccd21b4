"""Slow and silent SMTP servers: waited for as long as RFC 5321 says, each message delivered once, and
incidents told on time whatever the mail server does."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from custode.incidents.models import Incident
from custode.incidents.tests.world import build
from custode.monitors.models import State
from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.notifier import Notifier, steps
from custode.notify.tests.conftest import at_once, enqueue
from custode.notify.tests.peers import Blackhole
from custode.notify.timeouts import SmtpTimeouts
from custode.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_server_that_answers_the_end_of_data_after_11s_gets_the_message_once_and_it_is_marked_sent(smtp, settings):
    settings.SMTP_TIMEOUTS = SmtpTimeouts(connect=1, command=1, data_start=1, data_block=1, data_end=30)
    smtp.mailbox.data_delay = 11  # longer than the 10 s that once bounded every step

    message = enqueue()
    assert delivery.step() is True
    assert delivery.step() is False

    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 1, "")
    assert len(smtp.mailbox.messages) == 1


def test_a_server_slower_than_the_wait_for_the_end_of_data_is_a_retry_naming_that_step(smtp, settings):
    settings.SMTP_TIMEOUTS = SmtpTimeouts(connect=5, command=5, data_start=5, data_block=5, data_end=1)
    smtp.mailbox.data_delay = 2

    message = enqueue()
    delivery.step()

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error == f"SMTP 127.0.0.1:{smtp.port}: no answer to end of DATA within 1s"


def test_two_deliverers_sharing_a_server_slower_than_the_lease_deliver_each_message_once(smtp, monkeypatch):
    monkeypatch.setattr(delivery, "LEASE", timedelta(seconds=1.5))  # kept alive while a session lasts
    smtp.mailbox.data_delay = 2.0
    keys = {enqueue().key for _ in range(3)}
    deadline = time.monotonic() + 30

    def deliverer():  # polls like a notifier until all is sent, so an expired lease would be taken at once
        while Message.objects.exclude(status="sent").exists() and time.monotonic() < deadline:
            if not delivery.step():
                time.sleep(0.05)

    assert at_once(deliverer) == []
    delivered = [mail["Message-ID"] for mail in smtp.mailbox.messages]
    assert len(delivered) == len(set(delivered)) == 3
    assert set(Message.objects.filter(status="sent", attempts=1).values_list("key", flat=True)) == keys


def test_a_silent_smtp_server_does_not_delay_incidents_or_their_messages(settings):
    hole = Blackhole()
    settings.SMTP_URL = hole.url
    settings.SMTP_TIMEOUTS = SmtpTimeouts(connect=5)
    world = build(sites=3, customers=3)
    enqueue()
    notifier = Notifier(steps())
    running = threading.Thread(target=notifier.run)
    running.start()
    try:
        assert hole.connected.wait(10), "the notifier never tried the SMTP server"
        factories.state_change(world.server_monitor, State.DOWN, at=timezone.now())
        told = time.monotonic() + 2
        while not Message.objects.filter(topic__startswith="incident:").exists():
            assert time.monotonic() < told, "the incident and its messages waited for the SMTP server"
            time.sleep(0.05)
    finally:
        notifier.stop()
        running.join(30)
        hole.close()
    [incident] = Incident.objects.all()
    assert incident.monitors.filter(pk=world.server_monitor.pk).exists()
    assert Message.objects.filter(topic=f"incident:{incident.pk}", audience="customer").count() == 3
