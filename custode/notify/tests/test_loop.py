"""The notifier's loops: each unit of work in its own, so neither a failing nor a waiting one holds up the others."""

from __future__ import annotations

import importlib.util
import logging
import threading
import time

from custode.notify import delivery, notifier
from custode.notify.notifier import Notifier, steps


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
