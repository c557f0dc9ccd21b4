"""The first run is calm: the example file applied and the real engine and incident processor running for
20 s find nothing DOWN and open no incident, since every monitor in it whose host is only an example starts
paused (and the never-pinged heartbeat with them)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from custode.config.apply import apply_text
from custode.engine.tests.harness import running_engine
from custode.incidents import processor
from custode.incidents.models import Incident
from custode.monitors.models import Monitor, State

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "custode.example.yaml"
RUN_FOR = 20.0

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_example_applied_and_run_for_20_seconds_opens_no_incident():
    apply_text(EXAMPLE.read_text(encoding="utf-8"), filename=str(EXAMPLE))
    assert Monitor.objects.count() >= 10
    with running_engine(flush_every=0.2):
        deadline = time.monotonic() + RUN_FOR
        while time.monotonic() < deadline:
            while processor.step():
                pass
            time.sleep(0.2)
    while processor.step():
        pass
    failing = dict(Monitor.objects.exclude(state__in=[State.UP, State.PAUSED, State.UNKNOWN])
                   .values_list("key", "last_reason"))
    assert failing == {}
    assert list(Incident.objects.values_list("title", flat=True)) == []
