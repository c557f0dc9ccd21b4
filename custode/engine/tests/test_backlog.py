"""While the database is away, the engine keeps every state change but only the newest raw results."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from custode.engine import engine as engine_module, store
from custode.engine.engine import Engine

pytestmark = pytest.mark.django_db(transaction=True)

T0 = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.timezone.utc)


def test_a_long_database_outage_drops_the_oldest_raw_results_and_keeps_every_state_change(monkeypatch):
    def away(batch):
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(store, "write", away)
    monkeypatch.setattr(engine_module, "BACKLOG_MIN", 100)
    engine = Engine(emit=lambda line: None)
    for second in range(5):  # five failed flushes of 60 results and 2 state changes each
        engine.batch.observations += [store.Observation(n, T0 + dt.timedelta(seconds=second), "up", 1.0, "")
                                      for n in range(60)]
        engine.batch.transitions += [store.Transition(n, T0 + dt.timedelta(seconds=second), "up", "down", "x")
                                     for n in range(2)]
        asyncio.run(engine.flush())
    assert len(engine.batch.observations) == 100
    assert engine.batch.observations[0].at == T0 + dt.timedelta(seconds=3)  # the newest kept, in order
    assert len(engine.batch.transitions) == 10
    engine.db.shutdown()
