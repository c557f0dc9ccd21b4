"""Where new monitors are put on the schedule (evenly over their period, in the order of their ids), how long
the scheduler's ticks are, and the engine's database thread as the system sees it."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from custode.engine.engine import TICK, TICK_MAX, Engine, tick_for


def monitor(id_: int, period: float, generation: int = 0) -> SimpleNamespace:
    return SimpleNamespace(id=id_, period=lambda: period, generation=generation, due=None)


def places(engine: Engine, start: float) -> dict[int, float]:
    """Each scheduled monitor's id: its first check, in seconds after START."""
    return {monitor_id: due - start for due, _, monitor_id, _ in engine.heap}


def test_new_monitors_are_spread_evenly_over_their_period_in_id_order_whatever_order_they_were_loaded_in():
    engine = Engine(emit=lambda line: None)
    start = time.monotonic()
    engine._start_schedules([monitor(i, 60.0) for i in (7, 3, 5, 1)] + [monitor(i, 10.0) for i in (20, 10)])
    first = places(engine, start)
    assert [first[i] for i in (1, 3, 5, 7)] == pytest.approx([0, 15, 30, 45], abs=0.5)
    assert [first[i] for i in (10, 20)] == pytest.approx([0, 5], abs=0.5)  # each period spread on its own


def test_a_new_monitor_already_checked_at_once_is_not_put_on_the_schedule_again():
    engine = Engine(emit=lambda line: None)
    engine._start_schedules([monitor(1, 60.0, generation=1), monitor(2, 60.0)])
    assert [monitor_id for _, _, monitor_id, _ in engine.heap] == [2]


def test_the_database_thread_is_named_in_the_system_so_its_cpu_can_be_told_apart():
    engine = Engine(emit=lambda line: None)
    try:
        comm = engine.db.submit(lambda: Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text()).result()
    finally:
        engine.db.shutdown(wait=True)
    assert comm.strip() == "custode-db"


def test_ticks_are_longer_when_few_checks_start_and_shortest_at_heavy_load():
    assert tick_for(0) == tick_for(100) == tick_for(299) == TICK_MAX
    assert tick_for(600) == 2 * TICK
    assert tick_for(1200) == tick_for(4000) == TICK
    assert TICK < 2 * TICK < TICK_MAX <= 0.2


def test_the_engine_fits_its_tick_to_the_checks_it_has_been_starting():
    engine = Engine(emit=lambda line: None)
    try:
        engine._rated = (time.monotonic() - 2.0, 0)
        engine.stats.starts = 8000  # 4,000 a second
        engine._retick()
        assert engine.tick == TICK
        engine._rated = (time.monotonic() - 2.0, engine.stats.starts)
        engine.stats.starts += 200  # 100 a second
        engine._retick()
        assert engine.tick == TICK_MAX
    finally:
        engine.db.shutdown(wait=True)
