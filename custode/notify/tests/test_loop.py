"""The notifier's loop: every unit of work each turn, one unit's failure never stops the others."""

from __future__ import annotations

import importlib.util
import logging

from custode.notify import delivery, notifier
from custode.notify.notifier import Notifier, steps


def test_it_runs_the_incident_step_when_there_is_one_and_always_delivery():
    units = steps()
    assert units["delivery"] is delivery.step
    assert ("incidents" in units) == (importlib.util.find_spec("custode.incidents.processor") is not None)
    assert list(units)[-1] == "delivery"


def test_a_failing_step_is_logged_and_the_loop_goes_on_until_stopped(monkeypatch, caplog):
    monkeypatch.setattr(notifier, "ERROR_NAP", 0.01)
    calls = []
    loop = Notifier({})

    def broken() -> bool:
        calls.append("broken")
        raise RuntimeError("the database went away")

    def working() -> bool:
        calls.append("working")
        if calls.count("working") == 3:
            loop.stop()
        return False

    loop.units = {"incidents": broken, "delivery": working}
    with caplog.at_level(logging.ERROR, logger="custode.notify"):
        loop.run()
    assert calls == ["broken", "working"] * 3
    assert caplog.text.count("the incidents step failed") == 3
    assert "RuntimeError: the database went away" in caplog.text
