"""The notifier's loops: each unit of work in its own, so neither a failing nor a waiting one holds up the others."""

from __future__ import annotations

import importlib.util
import logging
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from custode.directory.models import Customer
from custode.notify import delivery, notifier
from custode.notify.notifier import Notifier, steps
from custode.testing import factories


def test_it_runs_the_incident_step_when_there_is_one_and_always_delivery():
    units = steps()
    assert units["delivery"] is delivery.step
    assert ("incidents" in units) == (importlib.util.find_spec("custode.incidents.processor") is not None)
    assert list(units)[-1] == "delivery"


def test_a_failing_step_is_logged_and_tried_again_while_the_others_go_on_until_stopped(monkeypatch, caplog):
    monkeypatch.setattr(notifier, "ERROR_NAP", 0.01)
    calls = []
    loop = Notifier({})

    def broken() -> bool:
        calls.append("broken")
        raise RuntimeError("the database went away")

    def working() -> bool:
        calls.append("working")
        if calls.count("working") == 3 and calls.count("broken") >= 2:
            loop.stop()
        return False

    loop.units = {"incidents": broken, "delivery": working}
    with caplog.at_level(logging.ERROR, logger="custode.notify"):
        loop.run()
    assert calls.count("working") >= 3
    assert caplog.text.count("the incidents step failed") == calls.count("broken") >= 2
    assert "RuntimeError: the database went away" in caplog.text


def test_a_step_that_waits_on_a_peer_does_not_hold_up_the_others():
    released = threading.Event()
    turns = []
    loop = Notifier({})

    def waiting() -> bool:
        released.wait(2)
        return True

    def counting() -> bool:
        turns.append(time.monotonic())
        if len(turns) == 20:
            released.set()
            loop.stop()
        return True

    loop.units = {"incidents": counting, "delivery": waiting}
    started = time.monotonic()
    loop.run()
    assert len(turns) == 20
    assert turns[-1] - started < 1


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_a_loop_that_writes_for_long_lets_a_waiting_writer_in():
    """A unit busy writing for 0.6 s at a time, taking the write lock back at once, must not keep another
    connection from writing: that is how a storm's incident loop kept delivery from marking messages sent."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL has no single write lock")
    customer = factories.customer()
    loop = Notifier({})

    def busy() -> bool:
        with transaction.atomic():
            Customer.objects.filter(pk=customer.pk).update(name="busy")
            time.sleep(0.6)
        return True

    loop.units = {"incidents": busy}
    running = threading.Thread(target=loop.run)
    running.start()
    outcome = []

    def other_writer() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA busy_timeout = 3000")
            time.sleep(0.3)  # the busy loop holds the lock now
            started = time.monotonic()
            Customer.objects.filter(pk=customer.pk).update(name="delivered")
            outcome.append(time.monotonic() - started)
        except OperationalError as exc:
            outcome.append(exc)
        finally:
            connection.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    writer.join(10)
    loop.stop()
    running.join(10)
    assert outcome and isinstance(outcome[0], float) and outcome[0] < 2, outcome
