"""Which results the engine keeps as raw rows (``CUSTODE_RESULTS_SAMPLE``): the rollups count them all."""

from __future__ import annotations

import datetime as dt

from custode.engine.engine import Engine
from custode.engine.runtime import MonitorRuntime

T0 = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)


def kept(sample: float, results: list[tuple[int, str]]) -> list[bool]:
    """For each (seconds after T0, status) of one monitor, in order, whether it is kept."""
    engine, rt = Engine(sample=sample), MonitorRuntime(1, "site", "http", 60, 0, 10.0, None, 1, "up", 1)
    return [engine._keep(rt, status, T0 + dt.timedelta(seconds=s)) for s, status in results]


def test_one_up_result_is_kept_per_sample_of_the_clock():
    assert kept(600, [(0, "up"), (60, "up"), (540, "up"), (600, "up"), (660, "up")]) == \
        [True, False, False, True, False]


def test_every_failure_and_the_first_up_after_one_are_kept():
    assert kept(600, [(0, "up"), (60, "down"), (120, "error"), (180, "up"), (240, "degraded"), (300, "up"),
                      (360, "up")]) == [True, True, True, True, True, True, False]


def test_a_sample_of_0_keeps_every_result():
    assert kept(0, [(0, "up"), (1, "up"), (2, "up")]) == [True, True, True]
