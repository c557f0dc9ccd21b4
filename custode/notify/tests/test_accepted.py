"""The acceptance journal: a message a peer accepted is not sent again because its deliverer died before the
database heard of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from custode.notify import accepted, delivery
from custode.notify.models import Message
from custode.notify.tests.conftest import enqueue

TOKEN = "d" * 32  # the lease token of a deliverer that died


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def died_after_acceptance(message: Message, *, at=None) -> None:
    """MESSAGE as a deliverer leaves it when killed between journalling the peer's acceptance and marking it."""
    at = at or timezone.now()
    Message.objects.filter(pk=message.pk).update(lease=TOKEN, leased_until=at + delivery.LEASE)
    accepted.record(message.pk, TOKEN, at)


@pytest.mark.django_db
def test_a_message_accepted_before_its_deliverer_died_is_marked_sent_and_not_sent_again(smtp):
    message, other = enqueue(), enqueue()
    accepted_at = timezone.now() - timedelta(seconds=3)
    died_after_acceptance(message, at=accepted_at)

    assert delivery.step() is True

    received = smtp.mailbox.wait_for(1)
    assert [mail["To"] for mail in received] == [other.recipient]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.lease, message.leased_until) == (
        Message.Status.SENT, 1, "", None)
    assert abs((message.sent_at - accepted_at).total_seconds()) < 0.001
    journalled = [line.split()[0] for line in accepted.path().read_bytes().splitlines()]
    assert journalled == [str(other.pk).encode()]  # the dead deliverer's line is gone; this step's is there


@pytest.mark.django_db
def test_a_journalled_message_another_deliverer_took_over_keeps_its_lease(smtp):
    message = enqueue()
    died_after_acceptance(message)
    Message.objects.filter(pk=message.pk).update(lease="e" * 32)  # taken over: its new deliverer decides

    assert accepted.settle() == 0

    message.refresh_from_db()
    assert (message.status, message.lease) == (Message.Status.PENDING, "e" * 32)
    assert accepted.path().read_bytes() == b""


@pytest.mark.django_db
def test_a_delivered_message_is_journalled_then_marked_and_the_next_step_empties_the_journal(smtp):
    message = enqueue()
    assert delivery.step() is True
    assert smtp.mailbox.wait_for(1)
    lines = accepted.path().read_bytes().splitlines()
    assert [line.split()[0] for line in lines] == [str(message.pk).encode()]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT

    assert delivery.step() is False
    assert accepted.path().read_bytes() == b""
    assert len(smtp.mailbox.messages) == 1


@pytest.mark.django_db
def test_a_cut_line_in_the_journal_is_skipped_and_the_whole_ones_still_count(smtp):
    message = enqueue()
    died_after_acceptance(message)
    with open(accepted.path(), "ab") as journal:
        journal.write(b"12 deadbe")  # a write cut short by a full disk

    assert accepted.settle() == 1

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert accepted.path().read_bytes() == b""


@pytest.mark.django_db
def test_a_journal_that_cannot_be_written_does_not_stop_delivery(smtp, settings, tmp_path, caplog):
    settings.DATA_DIR = tmp_path / "missing"
    message = enqueue()

    assert delivery.step() is True

    assert smtp.mailbox.wait_for(1)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert "could not write the acceptance journal" in caplog.text
