"""Messages written while their channel is not configured are held: never sent by themselves, not even once
the setting is given, until staff release them (delivered once) or discard them (never delivered)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custode.lib.changes import Invalid
from custode.notify import delivery
from custode.notify.models import Message
from custode.notify.selectors import delivery_log, held_count
from custode.notify.services import NotHeld, messages_discard, messages_release
from custode.notify.tests.conftest import enqueue

pytestmark = pytest.mark.django_db


def drain() -> None:
    while delivery.step():
        pass


def held(settings, count: int = 1) -> list[Message]:
    """COUNT e-mails written and tried while CUSTODE_SMTP_URL is not set."""
    settings.SMTP_URL = ""
    messages = [enqueue() for _ in range(count)]
    drain()
    return [Message.objects.get(pk=m.pk) for m in messages]


def test_without_smtp_a_message_is_held_and_stays_unsent_once_smtp_is_configured(settings, smtp):
    [message] = held(settings)
    assert (message.status, message.last_error) == (Message.Status.HELD, "CUSTODE_SMTP_URL is not set")
    settings.SMTP_URL = smtp.url
    drain()
    later = timezone.now() + timedelta(days=2)
    assert delivery.step(now=later) is False
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert smtp.mailbox.messages == []
    assert held_count() == 1


def test_a_released_message_is_delivered_once(settings, smtp):
    [message, other] = held(settings, 2)
    settings.SMTP_URL = smtp.url
    assert messages_release(ids=[message.pk], by="anna") == [message.pk]
    drain()
    drain()
    [mail] = smtp.mailbox.messages
    assert mail["To"] == message.recipient
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (Message.Status.SENT, 1, "")
    assert Message.objects.get(pk=other.pk).status == Message.Status.HELD


def test_a_discarded_message_is_never_delivered_and_says_who_discarded_it(settings, smtp):
    [message] = held(settings)
    settings.SMTP_URL = smtp.url
    assert messages_discard(ids=[message.pk], by="anna") == [message.pk]
    drain()
    assert delivery.step(now=timezone.now() + timedelta(days=2)) is False
    message.refresh_from_db()
    assert (message.status, message.last_error) == (Message.Status.DISCARDED, "discarded by anna")
    assert smtp.mailbox.messages == []
    with pytest.raises(NotHeld, match=f"message {message.pk} is discarded"):
        messages_release(ids=[message.pk], by="anna")


def test_released_while_smtp_is_still_missing_a_message_is_held_again(settings):
    [message] = held(settings)
    messages_release(ids=[message.pk], by="anna")
    drain()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.HELD, 0)


def test_a_message_released_a_day_after_it_was_written_gets_its_own_24_hours_of_retries(settings, smtp):
    [message] = held(settings)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=30))
    smtp.stop()  # configured, but nobody answers
    settings.SMTP_URL = smtp.url
    messages_release(ids=[message.pk], by="anna")
    drain()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.PENDING, 1)
    assert message.last_error.endswith("connection refused")


def test_only_held_messages_are_released_and_a_refusal_changes_nothing(settings, smtp):
    [waiting] = held(settings)
    settings.SMTP_URL = smtp.url
    sent = enqueue()
    drain()
    with pytest.raises(NotHeld, match=f"message {sent.pk} is sent"):
        messages_release(ids=[waiting.pk, sent.pk], by="anna")
    with pytest.raises(Invalid, match="no such message: 999998, 999999"):
        messages_discard(ids=[waiting.pk, 999999, 999998], by="anna")
    assert Message.objects.get(pk=waiting.pk).status == Message.Status.HELD
    assert len(smtp.mailbox.messages) == 1


def test_a_filter_releases_only_the_held_messages_it_matches(settings, smtp):
    first, second = held(settings, 2)
    Message.objects.filter(pk=second.pk).update(topic="incident:9")
    settings.SMTP_URL = smtp.url
    assert messages_release(where=delivery_log(status="held", topic="incident:9"), by="anna") == [second.pk]
    assert messages_discard(where=delivery_log(), by="anna") == [first.pk]
    drain()
    assert [m["To"] for m in smtp.mailbox.messages] == [second.recipient]
